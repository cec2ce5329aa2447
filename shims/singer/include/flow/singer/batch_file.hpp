// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <flow/line_reader.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// One file of a Singer BATCH manifest: JSON lines, plain or gzip-compressed, read with zlib
/// in large blocks. Lines are padded for simdjson like flow::LineReader's.
///
/// Example:
///   flow::singer::BatchFile file(flow::singer::path_from_file_uri(uri));
///   while (auto line = file.next()) handle(line->text);
namespace flow::singer {

/// The local path of a `file://` URI (`file:///a/b`, `file://localhost/a/b`), with %XX escapes
/// decoded. Throws flow::Error for any other scheme (s3://, http://) or a malformed URI.
std::string path_from_file_uri(std::string_view uri);

class BatchFile {
 public:
  /// Opens `path`; gzip is detected from the content. Throws flow::Error naming the file
  /// when it cannot be opened.
  explicit BatchFile(const std::string& path);
  BatchFile(const BatchFile&) = delete;
  BatchFile& operator=(const BatchFile&) = delete;
  BatchFile(BatchFile&&) = delete;
  BatchFile& operator=(BatchFile&&) = delete;
  ~BatchFile();

  /// The next line (without '\n'), nullopt at the end. Throws flow::Error on read errors and
  /// on a truncated gzip stream. Valid until the next call.
  std::optional<Line> next();

 private:
  bool fill();

  std::string path_;
  void* file_ = nullptr;  // gzFile
  std::vector<char> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t scan_ = 0;
  std::size_t line_number_ = 0;
  bool eof_ = false;
};

}  // namespace flow::singer
