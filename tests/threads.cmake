# Determinism and threads (README, "Determinism").
# threads.determinism: the dl2o command under several OpenBLAS / OpenMP /
# --threads settings gives the same data, weights, loss curve and candidates.
dl2o_test_exe(test_determinism test_determinism.c)
target_sources(test_determinism PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/run_util.c)
add_test(NAME threads.determinism COMMAND test_determinism)

# threads.tsan_propose: several threads, each with its own initializer on one
# weight file, propose at once under ThreadSanitizer. The script builds the
# library's C sources with -fsanitize=thread into its own folder (kept, so
# later runs only recompile what changed) and exits 77 (skipped) where the
# compiler or the kernel cannot run TSan.
add_test(NAME threads.tsan_propose
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tsan/run.sh ${CMAKE_SOURCE_DIR}
          ${CMAKE_BINARY_DIR}/tsan ${DL2O_FIXTURE_DIR}/rastrigin-2.probe.h5
          "${BLAS_LIBRARIES}" "${HDF5_C_INCLUDE_DIRS}" "${HDF5_C_LIBRARIES}")
set_tests_properties(threads.tsan_propose PROPERTIES FIXTURES_REQUIRED model_r2_probe
                     SKIP_RETURN_CODE 77)
set_tests_properties(threads.determinism threads.tsan_propose PROPERTIES LABELS "threads"
                     TIMEOUT 180)
