// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <flow/output_stream.hpp>
#include <string>
#include <string_view>

/// stdout of flow-local: the lines flowctl would print. Documents of a checkpoint are staged
/// in the output buffer and become visible only when the checkpoint commits; discard()
/// drops what was staged since the last commit (documents never committed are never shown).
///
/// Example:
///   OutputPrinter out(STDOUT_FILENO);
///   std::string prefix = OutputPrinter::collection_prefix("acmeCo/greetings");
///   out.stage_document(prefix, R"({"n":1})");    // ["acmeCo/greetings",{"n":1}]
///   out.commit();
///   out.line(R"({"protocol":3032023})");           // a whole line, written at once
namespace flow::local {

class OutputPrinter {
 public:
  explicit OutputPrinter(int fd) : out_(fd) {}

  /// `["<escaped name>",` — computed once per binding.
  static std::string collection_prefix(std::string_view collection);

  /// Stages `["collection",doc]\n`. `prefix` comes from collection_prefix().
  void stage_document(std::string_view prefix, std::string_view doc) {
    auto& buffer = out_.buffer();
    buffer.append(prefix).append(doc).append("]\n");
  }
  /// Stages an arbitrary line (e.g. a raw response line), newline added.
  void stage_line(std::string_view text) { out_.buffer().append(text).push_back('\n'); }
  /// Everything staged so far becomes output.
  void commit() {
    committed_ = out_.buffer().size();
    if (committed_ >= kFlushBytes) {
      flush();
    }
  }
  /// Drops what was staged since the last commit; returns how many bytes that was.
  std::size_t discard() {
    std::size_t dropped = out_.buffer().size() - committed_;
    out_.buffer().resize(committed_);
    return dropped;
  }
  /// Writes one whole line right away (unary verbs).
  void line(std::string_view text) {
    stage_line(text);
    commit();
    flush();
  }
  /// Writes committed bytes. Throws flow::Error when stdout fails (e.g. a closed pipe).
  void flush();

 private:
  static constexpr std::size_t kFlushBytes = 1 << 20;
  flow::OutputStream out_;
  std::size_t committed_ = 0;
};

}  // namespace flow::local
