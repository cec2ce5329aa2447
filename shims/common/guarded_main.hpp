// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <exception>
#include <flow/log.hpp>

/// The last-resort catch of a shim's main(): whatever escapes `run` (building the command
/// line can throw before the shim sets up its own error handling) ends as one Flow-format
/// error log line and exit code 1.
///
/// Example:
///   int main(int argc, char** argv) { return flow::shims::guarded_main(argc, argv, run_shim); }
namespace flow::shims {

inline int guarded_main(int argc, char** argv, int (*run)(int, char**)) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    flow::log::error(e.what());
  } catch (...) {
    flow::log::error("unknown error");
  }
  return 1;
}

}  // namespace flow::shims
