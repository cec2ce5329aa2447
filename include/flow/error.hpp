// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace flow {

/// Base of every error the SDK throws. `run()` turns any escaped exception into one final
/// Flow-format error log line and exit code 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A problem the user can fix by changing the endpoint or resource configuration.
///
/// Example:
///   if (!config.contains("host")) throw flow::ConfigError("missing required field 'host'");
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// Input that breaks the protocol: malformed JSON, an unknown request, a request out of order.
/// `line()` is the 1-based number of the stdin line (or frame) at fault, 0 when not known.
///
/// Example:
///   throw flow::ProtocolError(12, "unknown request 'bogus'");
///   // what(): "stdin line 12: unknown request 'bogus'"
class ProtocolError : public Error {
 public:
  ProtocolError(std::size_t line, const std::string& message)
      : Error(line == 0 ? message : "stdin line " + std::to_string(line) + ": " + message),
        line_(line) {}
  explicit ProtocolError(const std::string& message) : ProtocolError(0, message) {}

  [[nodiscard]] std::size_t line() const noexcept { return line_; }

 private:
  std::size_t line_;
};

}  // namespace flow
