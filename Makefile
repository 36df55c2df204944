# The two commands of the README: `make test` and `make demo`.
# Both first make sure the Debian packages are present: as root they are
# installed with apt-get; otherwise the exact apt-get line is printed.

BUILD   ?= build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
WERROR  ?= OFF
CMAKE_FLAGS ?=
PACKAGES := build-essential cmake pkg-config libopenblas-dev libnlopt-dev \
            libgsl-dev libhdf5-dev python3 python3-h5py \
            clang libclang-rt-dev libomp-dev valgrind

.PHONY: all deps configure build test demo install clean check-asan fuzz

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
	./$(BUILD)/dl2o demo --weights-dir weights --dir $(BUILD)/demo

install: build
	cmake --install $(BUILD)

# The whole suite built with AddressSanitizer + UndefinedBehaviorSanitizer
# (DL2O_SANITIZE in CMakeLists.txt), in its own build dir. CUDA is off there:
# nvcc and ASan don't mix. Any sanitizer report fails the run
# (tests/CMakeLists.txt: sanitizer.check_reports); leak suppressions for
# third-party libraries only are in tests/sanitizers/lsan.supp.
# Compiled with clang: its one ASan+UBSan runtime writes every report to the
# log files that check reads. GCC's separate libubsan always writes UBSan
# reports to stderr, where a test that expects a CLI error and captures its
# stderr would never show them.
ASAN_BUILD ?= build-asan
ASAN_CC ?= clang
check-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=$(ASAN_CC) -DDL2O_WERROR=$(WERROR) \
	  -DDL2O_SANITIZE=ON -DDL2O_CUDA=OFF \
	  $(CMAKE_FLAGS) > $(ASAN_BUILD).configure.log 2>&1 || { cat $(ASAN_BUILD).configure.log; exit 1; }
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

# Fuzzing campaigns (tests/fuzz/README.md): libFuzzer targets for the weight
# file, data file and theta CSV loaders, built with clang + ASan + UBSan in
# FUZZ_DIR. Each target runs FUZZ_SECONDS (default 600) from the seed corpus
# plus what earlier campaigns found (FUZZ_DIR/corpus/<target>); crashes, leaks
# and hangs are saved to FUZZ_DIR/crashes/<target>/ and fail the run. The
# normal suite runs each target for 20 s (tests/fuzz.cmake).
#   make fuzz FUZZ_SECONDS=3600 FUZZ_TARGETS="weights"
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= weights data csv
fuzz: deps
	tests/fuzz/fuzz.sh build $(FUZZ_DIR)
	tests/fuzz/fuzz.sh campaign $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD) $(BUILD).configure.log $(ASAN_BUILD) $(ASAN_BUILD).configure.log
