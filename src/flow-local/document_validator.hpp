// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

/// JSON-schema validation of documents against a collection's schema (valijson, nlohmann
/// adapter). Built once per binding; validate() is the per-document call.
///
/// Example:
///   DocumentValidator validator(collection.write_schema);   // throws on an unusable schema
///   if (auto error = validator.validate(R"({"n":"x"})"))
///     report(*error);   // "at /n: Value type not permitted by 'type' constraint."
namespace flow::local {

class DocumentValidator {
 public:
  /// Throws flow::ConfigError when valijson cannot use `schema`.
  explicit DocumentValidator(const nlohmann::json& schema);
  ~DocumentValidator();
  DocumentValidator(DocumentValidator&&) noexcept;
  DocumentValidator& operator=(DocumentValidator&&) noexcept;
  DocumentValidator(const DocumentValidator&) = delete;
  DocumentValidator& operator=(const DocumentValidator&) = delete;

  /// nullopt when `doc` (JSON text) is valid, else the first problem, with its location.
  [[nodiscard]] std::optional<std::string> validate(std::string_view doc) const;
  [[nodiscard]] std::optional<std::string> validate(const nlohmann::json& doc) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flow::local
