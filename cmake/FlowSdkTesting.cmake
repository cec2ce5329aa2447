# flow_add_test(NAME SOURCES file... [LIBS lib...] [DEPENDS target...])
# A GoogleTest executable linked with flow::sdk and gtest_main, registered with ctest.
# Every test gets FLOW_SOURCE_DIR, FLOW_SHARED_DIR (../shared fixtures) and FLOW_BINARY_DIR.
function(flow_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;DEPENDS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE flow::sdk GTest::gtest GTest::gtest_main ${ARG_LIBS}
                                        $<BUILD_INTERFACE:flow_sdk_warnings>)
  target_compile_definitions(${name} PRIVATE
    FLOW_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    FLOW_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared"
    FLOW_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()
