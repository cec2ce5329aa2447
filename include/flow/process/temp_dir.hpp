// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace flow::process {

/// A private temporary directory (mode 0700) for files handed to a child (config, catalog,
/// state). Files are written 0600. The directory and everything in it is removed by the
/// destructor (or remove()), so no secret stays on disk. A process killed by a signal runs no
/// destructors: the shims install a SIGTERM handler that requests a stop and unwind normally.
///
/// Example:
///   flow::process::TempDir dir("flow-airbyte");
///   std::string config_path = dir.write_file("config.json", config.dump());
class TempDir {
 public:
  /// Creates $TMPDIR/<prefix>-XXXXXX (or /tmp). Throws flow::Error on failure.
  explicit TempDir(std::string_view prefix);
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir();

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// Writes (replacing) `name` with `contents`, mode 0600; returns its full path. `name` is a
  /// plain file name: empty, ".", ".." or names with '/' throw flow::Error.
  std::string write_file(std::string_view name, std::string_view contents);
  /// Removes the directory and its contents now (idempotent). path() is empty afterwards.
  void remove() noexcept;

 private:
  std::string path_;
};

}  // namespace flow::process
