# cuda/cuda.cmake — the CUDA backend, DL2O_CUDA = AUTO | ON | OFF.
#   AUTO: build it when CMake finds a CUDA compiler and the CUDA toolkit.
#   ON:   require them.   OFF: never build it.
# Included by the top-level CMakeLists.txt once the dl2o target exists, and by
# tests/gpu/CMakeLists.txt (the engine-only build for the GPU machine).
#
# In:  DL2O_CUDA, DL2O_WERROR, DL2O_CUDA_TARGET (library that gets the
#      backend; default dl2o).
# Out: DL2O_HAVE_CUDA (ON/OFF); on the target, DL2O_HAVE_CUDA=1 and cuda/ on
#      its include path.
set(DL2O_HAVE_CUDA OFF)
if(NOT DEFINED DL2O_CUDA_TARGET)
  set(DL2O_CUDA_TARGET dl2o)
endif()
set_property(CACHE DL2O_CUDA PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${DL2O_CUDA}" _dl2o_cuda_mode)
if(NOT _dl2o_cuda_mode MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "DL2O_CUDA must be AUTO, ON or OFF, got '${DL2O_CUDA}'")
endif()

if(NOT _dl2o_cuda_mode STREQUAL "OFF")
  # sm_90 machine code (H100/H200) plus PTX that newer GPUs compile at load.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES "90-real;90-virtual")
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    find_package(CUDAToolkit)
    find_package(Threads REQUIRED)
  endif()
  if(CMAKE_CUDA_COMPILER AND CUDAToolkit_FOUND)
    set(DL2O_HAVE_CUDA ON)
    message(STATUS "dl2o: CUDA backend ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, "
                   "architectures ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(_dl2o_cuda_mode STREQUAL "ON")
    message(FATAL_ERROR "DL2O_CUDA=ON, but no CUDA compiler and toolkit were found. Install the "
                        "CUDA toolkit (12 or 13), point CMAKE_CUDA_COMPILER at nvcc, or "
                        "configure with -DDL2O_CUDA=AUTO or OFF.")
  else()
    message(STATUS "dl2o: no CUDA toolkit found; building without the CUDA backend")
  endif()
endif()

if(DL2O_HAVE_CUDA)
  # An object library keeps the C-only flags of ${DL2O_CUDA_TARGET} away from nvcc.
  add_library(dl2o_cuda OBJECT ${CMAKE_CURRENT_LIST_DIR}/backend_cuda.cu)
  set_target_properties(dl2o_cuda PROPERTIES
    CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON CUDA_EXTENSIONS OFF
    CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}" POSITION_INDEPENDENT_CODE ON)
  target_include_directories(dl2o_cuda PRIVATE ${CMAKE_CURRENT_LIST_DIR}
    ${CMAKE_CURRENT_LIST_DIR}/../core ${CMAKE_CURRENT_LIST_DIR}/../plugin/include)
  target_compile_definitions(dl2o_cuda PRIVATE _POSIX_C_SOURCE=200809L)
  # Host code is C-like C++: no exceptions, no C++ runtime needed at link.
  target_compile_options(dl2o_cuda PRIVATE
    -Xcompiler=-Wall,-Wextra,-Wshadow,-Wno-unused-parameter,-fno-exceptions,-fno-rtti)
  if(DL2O_WERROR)
    target_compile_options(dl2o_cuda PRIVATE -Werror=all-warnings -Xcompiler=-Werror)
  endif()
  target_link_libraries(dl2o_cuda PRIVATE CUDA::cudart CUDA::cublas)

  target_sources(${DL2O_CUDA_TARGET} PRIVATE $<TARGET_OBJECTS:dl2o_cuda>)
  set_property(TARGET ${DL2O_CUDA_TARGET} PROPERTY CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
  target_include_directories(${DL2O_CUDA_TARGET} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_compile_definitions(${DL2O_CUDA_TARGET} PRIVATE DL2O_HAVE_CUDA=1)
  target_link_libraries(${DL2O_CUDA_TARGET} PRIVATE CUDA::cudart CUDA::cublas Threads::Threads)
endif()
