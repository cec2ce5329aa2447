// SPDX-License-Identifier: Apache-2.0
#include "flow/process/temp_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "flow/error.hpp"

namespace flow::process {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

/// A plain file name: no separators and not a reference to this or the parent directory.
bool is_plain_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

}  // namespace

TempDir::TempDir(std::string_view prefix) {
  if (prefix.empty() || !is_plain_name(prefix)) {
    throw flow::Error("temporary directory prefix must be a plain name, got '" +
                      std::string(prefix) + "'");
  }
  const char* tmpdir = std::getenv("TMPDIR");
  std::string base = (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
  while (base.size() > 1 && base.back() == '/') {
    base.pop_back();
  }
  std::string pattern = base + "/" + std::string(prefix) + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    throw flow::Error("cannot create a temporary directory in " + base + ": " + errno_text());
  }
  path_ = buffer.data();
  if (::chmod(path_.c_str(), 0700) != 0) {  // mkdtemp already uses 0700; make it explicit
    const std::string reason = errno_text();
    remove();
    throw flow::Error("cannot restrict temporary directory " + pattern + ": " + reason);
  }
}

TempDir::~TempDir() {
  remove();
}

std::string TempDir::write_file(std::string_view name, std::string_view contents) {
  if (!is_plain_name(name)) {
    throw flow::Error("temporary file name must be a plain name, got '" + std::string(name) + "'");
  }
  if (path_.empty()) {
    throw flow::Error("writing '" + std::string(name) + "': the temporary directory was removed");
  }
  std::string file = path_ + "/" + std::string(name);
  // Replace any previous file (or symlink) rather than write through it, then create a fresh
  // file that only we can read.
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
    throw flow::Error("replacing " + file + ": " + errno_text());
  }
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    throw flow::Error("creating " + file + ": " + errno_text());
  }
  std::string failure;
  if (::fchmod(fd, 0600) != 0) {
    failure = "setting mode of " + file + ": " + errno_text();
  }
  while (failure.empty() && !contents.empty()) {
    const ssize_t written = ::write(fd, contents.data(), contents.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      failure = "writing " + file + ": " + errno_text();
      break;
    }
    contents.remove_prefix(static_cast<std::size_t>(written));
  }
  if (::close(fd) != 0 && failure.empty()) {
    failure = "writing " + file + ": " + errno_text();
  }
  if (!failure.empty()) {
    ::unlink(file.c_str());  // never leave a partial file behind
    throw flow::Error(failure);
  }
  return file;
}

void TempDir::remove() noexcept {
  if (path_.empty()) {
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
  path_.clear();
}

}  // namespace flow::process
