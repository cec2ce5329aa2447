# Use ccache when it is installed. Build trees in different folders share one cache because
# CCACHE_NOHASHDIR drops the working directory from the hash and CCACHE_BASEDIR makes paths relative.
find_program(FLOW_SDK_CCACHE ccache)
if(FLOW_SDK_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      "${CMAKE_COMMAND};-E;env;CCACHE_NOHASHDIR=true;CCACHE_BASEDIR=${PROJECT_SOURCE_DIR};${FLOW_SDK_CCACHE}")
endif()
