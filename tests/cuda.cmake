# CUDA backend: every op, sampling and 50 training steps against the CPU
# reference (tests/test_cuda_parity.c). In a build without the backend, or on
# a machine without a usable GPU, the test checks the CPU fallback of device
# selection and exits 77, which CTest reports as skipped.
dl2o_test_exe(test_cuda_parity test_cuda_parity.c)
add_test(NAME cuda_parity COMMAND test_cuda_parity)
set_tests_properties(cuda_parity PROPERTIES SKIP_RETURN_CODE 77 LABELS "cuda" TIMEOUT 300)
# The same harness with the CPU backend on both sides: runs everywhere.
add_test(NAME cuda_parity_harness COMMAND test_cuda_parity --self)
set_tests_properties(cuda_parity_harness PROPERTIES LABELS "cuda" TIMEOUT 120)

# The benchmark (tests/gpu/run_device_checks.sh runs it): built, not a test.
# Without the backend it reports the CPU figures alone.
dl2o_test_exe(bench_cuda bench/bench_cuda.c)
if(DL2O_HAVE_CUDA)
  foreach(exe test_cuda_parity bench_cuda)
    target_include_directories(${exe} PRIVATE ${CMAKE_SOURCE_DIR}/cuda)
    target_compile_definitions(${exe} PRIVATE DL2O_HAVE_CUDA=1)
  endforeach()
endif()
