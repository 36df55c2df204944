# The two ends of a sanitizer run (tests/CMakeLists.txt, DL2O_SANITIZE=ON).
#   cmake -DDIR=<build>/sanitizer-logs -DSTEP=clear -P reports.cmake
#     before any test: empty DIR (the runtimes write there, and can't create it).
#   cmake -DDIR=... -DSTEP=check -P reports.cmake
#     after every test: fail, printing each one, if any report was written.
# A report is an ASan/LSan/UBSan error. A file with warnings only (ASan's
# "failed to allocate 0x... bytes" when allocator_may_return_null hands a
# huge request back as NULL) is printed but does not fail the run.
if(STEP STREQUAL "clear")
  file(REMOVE_RECURSE "${DIR}")
  file(MAKE_DIRECTORY "${DIR}")
elseif(STEP STREQUAL "check")
  file(GLOB logs "${DIR}/*")
  set(n 0)
  foreach(log ${logs})
    file(READ "${log}" text)
    if(text MATCHES "ERROR: [A-Za-z]+Sanitizer|runtime error:|SUMMARY: [A-Za-z]+Sanitizer")
      math(EXPR n "${n} + 1")
      message("==== report: ${log}\n${text}")
    else()
      string(STRIP "${text}" text)
      message("---- warning only: ${log}: ${text}")
    endif()
  endforeach()
  if(n GREATER 0)
    message(FATAL_ERROR "${n} sanitizer report(s) in ${DIR} (file name: test.program.pid)")
  endif()
  message("no sanitizer reports in ${DIR}")
else()
  message(FATAL_ERROR "STEP must be clear or check")
endif()
