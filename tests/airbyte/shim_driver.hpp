// SPDX-License-Identifier: Apache-2.0
#pragma once

// Test helper: runs flow-airbyte-shim as a real process over pipes, with the Flow requests
// on its stdin, and collects its stdout, stderr and exit status.

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <flow/process/child_process.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace flow::airbyte::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    lines.push_back(line);
  }
  return lines;
}

struct ShimRun {
  std::string out;
  std::string err;
  flow::process::ExitStatus status;

  [[nodiscard]] std::vector<std::string> out_lines() const { return split_lines(out); }
  /// The Flow log lines of stderr, parsed.
  [[nodiscard]] std::vector<nlohmann::json> logs() const {
    std::vector<nlohmann::json> logs;
    for (const auto& line : split_lines(err)) {
      auto parsed = nlohmann::json::parse(line, nullptr, false);
      if (!parsed.is_discarded()) {
        logs.push_back(parsed);
      }
    }
    return logs;
  }
  /// The message of the last log line (what the runtime reports for a failed connector).
  [[nodiscard]] std::string last_log_message() const {
    auto all = logs();
    return all.empty() ? "" : all.back().value("message", std::string());
  }
};

struct ShimOptions {
  std::vector<std::string> shim_args{};  ///< options before `--`
  std::vector<std::string> child{};      ///< the Airbyte command after `--`
  std::map<std::string, std::string> env{};
  std::string requests{};  ///< JSON lines
  /// Keep stdin open until stdout ends (a capture session); else close it after the requests.
  bool session = false;
  /// Called for each complete stdout line; may close stdin or signal the shim.
  std::function<void(const std::string& line, flow::process::ChildProcess& shim)> on_line{};
};

inline ShimRun run_shim(const ShimOptions& options) {
  std::vector<std::string> argv = {FLOW_AIRBYTE_SHIM_BIN};
  argv.insert(argv.end(), options.shim_args.begin(), options.shim_args.end());
  argv.emplace_back("--");
  argv.insert(argv.end(), options.child.begin(), options.child.end());
  auto shim = flow::process::ChildProcess::spawn({.argv = argv, .env = options.env});

  ShimRun run;
  std::thread err_reader([&] {
    char buffer[65536];
    for (;;) {
      auto n = ::read(shim.stderr_fd(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      run.err.append(buffer, static_cast<std::size_t>(n));
    }
  });
  std::size_t written = 0;
  while (written < options.requests.size()) {
    auto n = ::write(shim.stdin_fd(), options.requests.data() + written,
                     options.requests.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (!options.session) {
    shim.close_stdin();
  }
  char buffer[1 << 16];
  std::size_t line_start = 0;
  for (;;) {
    auto n = ::read(shim.stdout_fd(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    run.out.append(buffer, static_cast<std::size_t>(n));
    if (options.on_line) {
      for (auto nl = run.out.find('\n', line_start); nl != std::string::npos;
           nl = run.out.find('\n', line_start)) {
        options.on_line(run.out.substr(line_start, nl - line_start), shim);
        line_start = nl + 1;
      }
    }
  }
  shim.close_stdin();
  run.status = shim.wait();
  err_reader.join();
  return run;
}

}  // namespace flow::airbyte::testing
