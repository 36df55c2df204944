# valgrind memcheck on the CLI's main paths (tests/valgrind_cli.sh): train on
# a tiny config, info, sample, solve and failing paths; any memcheck error or
# definite leak fails. Skipped (77) where valgrind is not installed.
#
# Which binary: memcheck is no judge of the CUDA runtime. In a CUDA build, just
# loading cuBLAS costs about 30 s per run under valgrind and glibc's dlopen of
# the CUDA libraries draws false "invalid read" reports (ld.so's strncmp), even
# with --device cpu. So a CUDA build checks a CPU-only twin of the library and
# CLI (dl2o_cpuonly, dl2o_cli_cpuonly): the same sources, options and
# libraries, copied from the dl2o and dl2o_cli targets, without the backend.
# A CPU-only build checks dl2o itself.
set(DL2O_VALGRIND_TARGET dl2o_cli)
if(DL2O_HAVE_CUDA AND NOT DL2O_SANITIZE)
  # Drops the backend's objects, DL2O_HAVE_CUDA=1, cuda/ and CUDA::* libraries.
  function(dl2o_cpuonly_copy from to)
    foreach(prop INCLUDE_DIRECTORIES COMPILE_OPTIONS COMPILE_DEFINITIONS LINK_LIBRARIES
                 INTERFACE_INCLUDE_DIRECTORIES INTERFACE_LINK_LIBRARIES)
      get_target_property(v ${from} ${prop})
      if(v)
        list(FILTER v EXCLUDE REGEX "CUDA|/cuda$")
        list(TRANSFORM v REPLACE "^dl2o$" "dl2o_cpuonly")
        set_property(TARGET ${to} PROPERTY ${prop} "${v}")
      endif()
    endforeach()
  endfunction()
  get_target_property(srcs dl2o SOURCES)
  list(FILTER srcs EXCLUDE REGEX "TARGET_OBJECTS")
  add_library(dl2o_cpuonly SHARED ${srcs})
  dl2o_cpuonly_copy(dl2o dl2o_cpuonly)
  # Per-file options are per directory: bring backend_cpu.c's -O3 here too.
  get_source_file_property(opts ${CMAKE_SOURCE_DIR}/core/backend_cpu.c
                           DIRECTORY ${CMAKE_SOURCE_DIR} COMPILE_OPTIONS)
  if(opts)
    set_source_files_properties(${CMAKE_SOURCE_DIR}/core/backend_cpu.c PROPERTIES
                                COMPILE_OPTIONS "${opts}")
  endif()
  get_target_property(srcs dl2o_cli SOURCES)
  add_executable(dl2o_cli_cpuonly ${srcs})
  dl2o_cpuonly_copy(dl2o_cli dl2o_cli_cpuonly)
  set(DL2O_VALGRIND_TARGET dl2o_cli_cpuonly)
endif()

if(DL2O_SANITIZE)
  # An ASan-instrumented binary cannot run under valgrind.
  add_test(NAME valgrind.cli
           COMMAND sh -c "echo 'skipped: ASan builds cannot run under valgrind'; exit 77")
else()
  add_test(NAME valgrind.cli
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/valgrind_cli.sh
                   $<TARGET_FILE:${DL2O_VALGRIND_TARGET}> ${CMAKE_BINARY_DIR}/test-tmp/valgrind
                   ${CMAKE_CURRENT_SOURCE_DIR}/sanitizers/valgrind.supp)
endif()
set_tests_properties(valgrind.cli PROPERTIES SKIP_RETURN_CODE 77 LABELS "valgrind" TIMEOUT 300)
