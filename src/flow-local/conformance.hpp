// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <flow/error.hpp>
#include <string>
#include <string_view>

#include "flow-local/console.hpp"

/// Conformance checking: the rules of PROTOCOL.md §8/§9 that can be seen from outside a
/// connector. A violation is reported as one error line naming the rule, the connector's
/// stdout message number and an excerpt of that message, and stops the run (exit 1). With
/// --lenient it is a warning and the run goes on.
///
/// Example:
///   flow::local::Conformance conformance(console, /*lenient=*/false);
///   if (!has_state)
///     conformance.violation("checkpoint-state", line.number,
///                           "a checkpoint must carry `state`", line.text);  // throws
namespace flow::local {

/// Rule ids (stable: tests and users grep for them).
namespace rule {
inline constexpr std::string_view kResponseJson = "response-json";  ///< not one JSON object
inline constexpr std::string_view kResponseKind = "response-kind";  ///< unknown/unexpected
inline constexpr std::string_view kUnknownField = "unknown-field";  ///< field not in proto
inline constexpr std::string_view kFieldType = "field-type";        ///< wrong JSON type / null
inline constexpr std::string_view kProtocolVersion = "protocol-version";
inline constexpr std::string_view kOpenedFirst = "opened-first";
inline constexpr std::string_view kCheckpointState = "checkpoint-state";
inline constexpr std::string_view kBindingRange = "binding-range";
inline constexpr std::string_view kUncommittedDocuments = "uncommitted-documents";
inline constexpr std::string_view kBackfillAlone = "backfill-alone";
inline constexpr std::string_view kValidatedBindings = "validated-bindings";
inline constexpr std::string_view kDiscoveredBindings = "discovered-bindings";
inline constexpr std::string_view kDocumentSchema = "document-schema";
inline constexpr std::string_view kDocumentKey = "document-key";
inline constexpr std::string_view kUnaryResponse = "unary-response";  ///< 0 or >1 responses
}  // namespace rule

/// Thrown (strict mode) after a violation has been reported.
class ConformanceViolation : public flow::Error {
 public:
  using flow::Error::Error;
};

class Conformance {
 public:
  static constexpr std::size_t kExcerptChars = 200;

  Conformance(Console& console, bool lenient) : console_(console), lenient_(lenient) {}

  /// Reports a violation of `rule_id` at stdout message `line` (0: not tied to one message).
  /// Strict: logs an error and throws ConformanceViolation. Lenient: logs a warning.
  void violation(std::string_view rule_id,
                 std::size_t line,
                 std::string_view message,
                 std::string_view excerpt = {});

  [[nodiscard]] bool lenient() const { return lenient_; }
  [[nodiscard]] std::size_t warnings() const { return warnings_; }

 private:
  Console& console_;
  bool lenient_;
  std::size_t warnings_ = 0;
};

/// The first ~`max_chars` bytes of `text`, cut at a UTF-8 boundary, with "…" when cut. Pure.
std::string excerpt_of(std::string_view text, std::size_t max_chars = Conformance::kExcerptChars);

}  // namespace flow::local
