// SPDX-License-Identifier: Apache-2.0
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <flow/error.hpp>
#include <flow/singer/batch_file.hpp>

namespace flow::singer {

namespace {

constexpr std::size_t kBlock = 1 << 20;

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::string path_from_file_uri(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (uri.substr(0, kScheme.size()) != kScheme) {
    auto colon = uri.find("://");
    std::string scheme(colon == std::string_view::npos ? std::string_view("(none)")
                                                       : uri.substr(0, colon));
    throw flow::Error("BATCH manifest URI '" + std::string(uri) + "' has scheme '" + scheme +
                      "'; only file:// is supported");
  }
  std::string_view rest = uri.substr(kScheme.size());
  if (rest.substr(0, 9) == "localhost") {
    rest.remove_prefix(9);
  }
  if (rest.empty() || rest[0] != '/') {
    throw flow::Error("BATCH manifest URI '" + std::string(uri) +
                      "' does not name an absolute local path");
  }
  std::string path;
  path.reserve(rest.size());
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%') {
      int hi = i + 2 < rest.size() ? hex_value(rest[i + 1]) : -1;
      int lo = i + 2 < rest.size() ? hex_value(rest[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        throw flow::Error("BATCH manifest URI '" + std::string(uri) + "' has a bad % escape");
      }
      path += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      path += rest[i];
    }
  }
  return path;
}

BatchFile::BatchFile(const std::string& path) : path_(path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    int err = errno;
    throw flow::Error("cannot open BATCH file '" + path +
                      "': " + (err != 0 ? std::strerror(err) : "out of memory"));
  }
  gzbuffer(file, 1 << 17);
  file_ = file;
  buffer_.resize(kBlock + LineReader::kLinePadding);
}

BatchFile::~BatchFile() {
  if (file_ != nullptr) {
    gzclose(static_cast<gzFile>(file_));
  }
}

bool BatchFile::fill() {
  if (eof_) {
    return false;
  }
  // Move the unconsumed tail to the front, then grow if a line fills the buffer.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    scan_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() - end_ < kBlock / 2 + LineReader::kLinePadding) {
    buffer_.resize(buffer_.size() * 2);
  }
  auto want = static_cast<unsigned>(buffer_.size() - end_ - LineReader::kLinePadding);
  int got = gzread(static_cast<gzFile>(file_), buffer_.data() + end_, want);
  if (got < 0) {
    int code = 0;
    const char* message = gzerror(static_cast<gzFile>(file_), &code);
    throw flow::Error("reading BATCH file '" + path_ + "': " + message);
  }
  if (got == 0) {
    int code = 0;
    const char* message = gzerror(static_cast<gzFile>(file_), &code);
    if (code != Z_OK) {
      throw flow::Error("reading BATCH file '" + path_ + "': " + message);
    }
    eof_ = true;
    return false;
  }
  end_ += static_cast<std::size_t>(got);
  return true;
}

std::optional<Line> BatchFile::next() {
  for (;;) {
    auto* start = buffer_.data() + scan_;
    auto* found = static_cast<char*>(std::memchr(start, '\n', end_ - scan_));
    if (found != nullptr) {
      const auto newline = static_cast<std::size_t>(found - buffer_.data());
      Line line;
      line.text = std::string_view(buffer_.data() + begin_, newline - begin_);
      line.capacity = buffer_.size() - begin_;
      line.number = ++line_number_;
      begin_ = newline + 1;
      scan_ = begin_;
      return line;
    }
    scan_ = end_;
    if (!fill()) {
      if (begin_ == end_) {
        return std::nullopt;
      }
      std::memset(buffer_.data() + end_, 0, LineReader::kLinePadding);
      Line line;
      line.text = std::string_view(buffer_.data() + begin_, end_ - begin_);
      line.capacity = buffer_.size() - begin_;
      line.number = ++line_number_;
      line.terminated = false;
      begin_ = end_;
      scan_ = end_;
      return line;
    }
  }
}

}  // namespace flow::singer
