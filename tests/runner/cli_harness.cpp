// SPDX-License-Identifier: Apache-2.0
#include "cli_harness.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <flow/process/child_process.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace flow::local::testing {
namespace {

std::string read_all(int fd) {
  std::string out;
  char buffer[65536];
  for (;;) {
    auto n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return out;
    }
  }
}

}  // namespace

std::vector<std::string> CliRun::stdout_lines() const {
  std::vector<std::string> lines;
  std::istringstream in(stdout_text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

std::string flow_local_bin() {
  return FLOW_LOCAL_BIN;
}

CliRun run_flow_local(const std::vector<std::string>& args) {
  std::vector<std::string> argv{FLOW_LOCAL_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv);
}

CliRun run_program(const std::vector<std::string>& argv) {
  flow::process::SpawnOptions options;
  options.argv = argv;
  const char* path = std::getenv("PATH");
  options.env["PATH"] =
      std::string(FLOW_BIN_DIR) + ":" + (path != nullptr ? path : "/usr/bin:/bin");
  options.pipe_stdin = false;
  auto start = std::chrono::steady_clock::now();
  auto child = flow::process::ChildProcess::spawn(options);
  CliRun run;
  std::thread err([&] { run.stderr_text = read_all(child.stderr_fd()); });
  run.stdout_text = read_all(child.stdout_fd());
  err.join();
  auto status = child.wait();
  run.exit_code = status.signal != 0 ? 128 + status.signal : status.code;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

ScratchDir::ScratchDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "flow-local-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::write(const std::string& name, const std::string& text) const {
  auto full = std::filesystem::path(path_) / name;
  std::filesystem::create_directories(full.parent_path());
  std::ofstream(full) << text;
  return full.string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string broken_connector_catalog(const ScratchDir& dir,
                                     const std::string& script,
                                     int bindings) {
  const std::string connectors = std::string(FLOW_SOURCE_DIR) + "/tests/runner/connectors";
  std::string yaml =
      "captures:\n"
      "  test/capture:\n"
      "    endpoint:\n"
      "      local:\n"
      "        command: [python3, \"" +
      connectors + "/" + script +
      ".py\"]\n"
      "        config: {}\n"
      "    bindings:\n";
  const char* names[] = {"a", "b"};
  for (int i = 0; i < bindings; ++i) {
    yaml += std::string("      - resource: {name: ") + names[i] + "}\n        target: test/" +
            names[i] + "\n";
  }
  yaml += "collections:\n";
  for (int i = 0; i < bindings; ++i) {
    yaml += std::string("  test/") + names[i] +
            ":\n    schema:\n      type: object\n      properties:\n        id: {type: integer}\n"
            "        name: {type: string}\n      required: [id]\n    key: [/id]\n";
  }
  return dir.write("flow.yaml", yaml);
}

}  // namespace flow::local::testing
