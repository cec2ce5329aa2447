# flow_sdk_warnings: an INTERFACE target carrying our warning flags. It is linked PRIVATE through
# $<BUILD_INTERFACE:...> and never exported, so a consumer's newer compiler never breaks its build.
add_library(flow_sdk_warnings INTERFACE)
target_compile_options(flow_sdk_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough)
if(FLOW_SDK_WARNINGS_AS_ERRORS)
  target_compile_options(flow_sdk_warnings INTERFACE -Werror)
endif()
