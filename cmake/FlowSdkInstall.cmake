# Install the library, headers, a relocatable CMake package (find_package(flow_sdk)) and a
# pkg-config file, all in the `sdk` component:
#   cmake --install build/release --prefix /opt/flow-sdk --component sdk
# Executables (shims, flow-local, examples) install in the default component.
include(CMakePackageConfigHelpers)
install(TARGETS flow_sdk EXPORT flow_sdkTargets COMPONENT sdk
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/flow DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sdk)
install(EXPORT flow_sdkTargets NAMESPACE flow:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/flow_sdk
        COMPONENT sdk)
configure_package_config_file(cmake/flow_sdkConfig.cmake.in
  ${PROJECT_BINARY_DIR}/flow_sdkConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/flow_sdk)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/flow_sdkConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/flow_sdkConfig.cmake ${PROJECT_BINARY_DIR}/flow_sdkConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/flow_sdk COMPONENT sdk)

# pkg-config, for builds that don't use CMake: c++ main.cpp $(pkg-config --cflags --libs flow_sdk)
configure_file(cmake/flow_sdk.pc.in ${PROJECT_BINARY_DIR}/flow_sdk.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/flow_sdk.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT sdk)
