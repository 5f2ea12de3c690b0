# The two commands of the README. Each sets up what it needs (scripts/setup.sh) and stops what
# it starts.
.PHONY: demo test setup lint package

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

setup:
	bash scripts/setup.sh

# Debian packages of the extension (PG_VERSIONS, default 15) in target/debian/.
package:
	bash scripts/package.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
