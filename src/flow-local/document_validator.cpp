// SPDX-License-Identifier: Apache-2.0
#include "flow-local/document_validator.hpp"

#include <flow/error.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace flow::local {

struct DocumentValidator::Impl {
  valijson::Schema schema;
  nlohmann::json schema_json;
  valijson::Validator validator;  // reused: it caches compiled regexes
};

DocumentValidator::DocumentValidator(const nlohmann::json& schema)
    : impl_(std::make_unique<Impl>()) {
  impl_->schema_json = schema;
  try {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(impl_->schema_json);
    parser.populateSchema(adapter, impl_->schema);
  } catch (const std::exception& e) {
    throw flow::ConfigError(std::string("the collection schema cannot be used for validation (") +
                            e.what() + "); run with --no-validate to skip schema validation");
  }
}

DocumentValidator::~DocumentValidator() = default;
DocumentValidator::DocumentValidator(DocumentValidator&&) noexcept = default;
DocumentValidator& DocumentValidator::operator=(DocumentValidator&&) noexcept = default;

std::optional<std::string> DocumentValidator::validate(std::string_view doc) const {
  auto parsed = nlohmann::json::parse(doc.begin(), doc.end(), nullptr, false);
  if (parsed.is_discarded()) {
    return std::string("the document is not valid JSON");
  }
  return validate(parsed);
}

std::optional<std::string> DocumentValidator::validate(const nlohmann::json& doc) const {
  valijson::adapters::NlohmannJsonAdapter target(doc);
  // Without a results object valijson stops at the first failure: the fast path for valid
  // documents. Only an invalid one is validated again to explain why.
  if (impl_->validator.validate(impl_->schema, target, nullptr)) {
    return std::nullopt;
  }
  valijson::ValidationResults results;
  impl_->validator.validate(impl_->schema, target, &results);
  // valijson reports outer failures (e.g. allOf) before the inner one that explains them;
  // the deepest context is the most useful.
  valijson::ValidationResults::Error best;
  valijson::ValidationResults::Error error;
  bool first = true;
  while (results.popError(error)) {
    if (first || error.context.size() > best.context.size()) {
      best = error;
      first = false;
    }
  }
  std::string where;
  for (std::size_t i = 1; i < best.context.size(); ++i) {  // context[0] is "<root>"
    std::string part = best.context[i];
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
      part = part.substr(1, part.size() - 2);
      if (part.size() >= 2 && part.front() == '"') {
        part = part.substr(1, part.size() - 2);
      }
    }
    where += "/" + part;
  }
  return "at " + (where.empty() ? std::string("the document root") : where) + ": " +
         best.description;
}

}  // namespace flow::local
