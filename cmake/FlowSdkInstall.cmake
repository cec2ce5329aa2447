# Install the library, headers, and a relocatable CMake package (find_package(flow_sdk)).
include(CMakePackageConfigHelpers)
install(TARGETS flow_sdk EXPORT flow_sdkTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/flow DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT flow_sdkTargets NAMESPACE flow:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/flow_sdk)
configure_package_config_file(cmake/flow_sdkConfig.cmake.in
  ${PROJECT_BINARY_DIR}/flow_sdkConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/flow_sdk)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/flow_sdkConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/flow_sdkConfig.cmake ${PROJECT_BINARY_DIR}/flow_sdkConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/flow_sdk)
