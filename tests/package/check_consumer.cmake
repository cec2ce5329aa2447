# Builds tests/package/consumer against the SDK one way and runs the result through a spec
# and an open: cmake -DMODE=find_package|add_subdirectory|pkg-config -DSDK_SOURCE=... -DSDK_BUILD=...
#   -DWORK=<scratch dir> -P check_consumer.cmake
cmake_minimum_required(VERSION 3.25)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(consumer ${SDK_SOURCE}/tests/package/consumer)

if(MODE STREQUAL "add_subdirectory")
  run(${CMAKE_COMMAND} -S ${consumer} -B ${WORK}/build -G Ninja -DFLOW_SDK_MODE=add_subdirectory
      -DFLOW_SDK_SOURCE_DIR=${SDK_SOURCE})
  run(${CMAKE_COMMAND} --build ${WORK}/build)
  set(binary ${WORK}/build/consumer-connector)
else()
  # Install the SDK, then move the install tree: the package must be relocatable.
  run(${CMAKE_COMMAND} --install ${SDK_BUILD} --prefix ${WORK}/staging --component sdk)
  file(RENAME ${WORK}/staging ${WORK}/moved-prefix)
  if(MODE STREQUAL "find_package")
    run(${CMAKE_COMMAND} -S ${consumer} -B ${WORK}/build -G Ninja -DFLOW_SDK_MODE=find_package
        -DCMAKE_PREFIX_PATH=${WORK}/moved-prefix)
    run(${CMAKE_COMMAND} --build ${WORK}/build)
    set(binary ${WORK}/build/consumer-connector)
  else()
    find_program(PKG_CONFIG pkg-config REQUIRED)
    set(ENV{PKG_CONFIG_PATH} ${WORK}/moved-prefix/lib/pkgconfig)
    execute_process(COMMAND ${PKG_CONFIG} --cflags --libs flow_sdk OUTPUT_VARIABLE flags
                    RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "pkg-config does not find flow_sdk")
    endif()
    separate_arguments(flags UNIX_COMMAND "${flags}")
    set(binary ${WORK}/consumer-connector)
    run(c++ ${SDK_SOURCE}/examples/source-minimal/main.cpp -o ${binary} ${flags})
  endif()
endif()

# Drive the consumer through the protocol: spec, then a capture session.
file(WRITE ${WORK}/requests.jsonl
     "{\"spec\":{\"connectorType\":\"LOCAL\",\"config\":{}}}\n"
     "{\"open\":{\"capture\":{\"bindings\":[{\"collection\":{\"name\":\"c\"},\"stateKey\":\"s\"}]}}}\n")
execute_process(COMMAND ${binary} INPUT_FILE ${WORK}/requests.jsonl RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer connector failed (${rc}): ${err}")
endif()
foreach(expected "\"protocol\":3032023" "{\"opened\":{}}" "{\"captured\":{\"binding\":0,\"doc\":{\"n\":3}}}"
                 "{\"checkpoint\":{\"state\":{\"updated\":{\"done\":true},\"mergePatch\":true}}}")
  string(FIND "${out}" "${expected}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "consumer output lacks ${expected}:\n${out}")
  endif()
endforeach()
message(STATUS "${MODE}: consumer built and answered spec and open")
