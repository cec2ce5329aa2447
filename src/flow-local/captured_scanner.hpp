// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <flow/line_reader.hpp>
#include <string>
#include <string_view>
#include <vector>

/// The hot path of a capture session: decodes a `{"captured":{"binding":N,"doc":{…}}}` line
/// with simdjson On-Demand, in place, without copying the document. It checks the envelope
/// (one top-level key, only `binding`/`doc` inside, doc an object) and that every key pointer
/// of the binding's collection is present in the document. Lines of any other kind are left
/// to the cold path.
///
/// Example:
///   CapturedScanner scanner({{"/id"}});           // key pointers per binding
///   CapturedScanner::Captured msg;
///   switch (scanner.scan(line, msg)) {
///     case CapturedScanner::Result::captured: use(msg.binding, msg.doc); break;
///     case CapturedScanner::Result::other: cold_path(line); break;
///     case CapturedScanner::Result::invalid: report(scanner.error()); break;
///   }
namespace flow::local {

class CapturedScanner {
 public:
  enum class Result { captured, other, invalid };
  /// What is wrong with an invalid line: the conformance rule id and a message.
  struct Problem {
    std::string_view rule;
    std::string message;
  };
  struct Captured {
    std::uint64_t binding = 0;
    std::string_view doc;  ///< raw JSON text inside the line
    /// The first key pointer missing from the document; empty when all are present (or the
    /// binding is out of range: the caller reports that).
    std::string missing_key;
  };

  explicit CapturedScanner(std::vector<std::vector<std::string>> key_pointers);

  /// `any_spelling`: skip the fast `{"captured":` prefix test (for lines the cold path already
  /// identified as `captured`, e.g. with whitespace or the proto spelling of a field).
  Result scan(const flow::Line& line, Captured& out, bool any_spelling = false);
  [[nodiscard]] const Problem& problem() const { return problem_; }

 private:
  Result invalid(std::string_view rule, std::string message);
  /// The first of `pointers` not present in `doc`; empty when all are.
  std::string find_missing_key(simdjson::ondemand::object& doc,
                               const std::vector<std::string>& pointers);
  std::string find_missing_key_slow(std::string_view doc, const std::vector<std::string>& pointers);

  std::vector<std::vector<std::string>> key_pointers_;
  simdjson::ondemand::parser parser_;
  simdjson::ondemand::parser doc_parser_;
  Problem problem_;
};

}  // namespace flow::local
