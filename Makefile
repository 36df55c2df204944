# The two commands of the README: `make test` and `make demo`.
# Both first make sure the Debian packages are present: as root they are
# installed with apt-get; otherwise the exact apt-get line is printed.

BUILD   ?= build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
WERROR  ?= OFF
CMAKE_FLAGS ?=
PACKAGES := build-essential cmake pkg-config libopenblas-dev libnlopt-dev \
            libgsl-dev libhdf5-dev python3 python3-h5py

.PHONY: all deps configure build test demo install clean

all: build

deps:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing || exit 1; \
	  else \
	    echo "Missing Debian packages. Run:"; \
	    echo "  sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

configure: deps
	@cmake -S . -B $(BUILD) -DDL2O_WERROR=$(WERROR) $(CMAKE_FLAGS) > $(BUILD).configure.log 2>&1 || \
	  { cat $(BUILD).configure.log; exit 1; }

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	./$(BUILD)/dl2o demo --dir $(BUILD)/demo

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
