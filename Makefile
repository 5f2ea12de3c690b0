# The two commands of the README. Each sets up what it needs (scripts/setup.sh: the servers of
# PG_VERSIONS, default "15 18"; `make demo` only 15) and stops what it starts.
.PHONY: demo test setup lint package

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

setup:
	bash scripts/setup.sh

# Debian packages of the extension, one per version in PG_VERSIONS (default "15 18"), in
# target/debian/.
package:
	bash scripts/package.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
