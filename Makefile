# The two commands of the README. Each sets up what it needs (scripts/setup.sh) and stops what
# it starts.
.PHONY: demo test setup lint

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

setup:
	bash scripts/setup.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
