// SPDX-License-Identifier: Apache-2.0
#include <flow/airbyte/config_update.hpp>
#include <flow/error.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace flow::airbyte {
namespace {

bool is_secret(const nlohmann::json& schema) {
  return schema.is_object() &&
         (schema.value("secret", false) == true || schema.value("airbyte_secret", false) == true);
}

void redact(nlohmann::json& value, const nlohmann::json& schema) {
  if (!schema.is_object()) {
    return;
  }
  for (const char* combinator : {"oneOf", "anyOf", "allOf"}) {
    if (auto branches = schema.find(combinator); branches != schema.end() && branches->is_array()) {
      for (const auto& branch : *branches) {
        redact(value, branch);
      }
    }
  }
  if (value.is_object()) {
    if (auto properties = schema.find("properties");
        properties != schema.end() && properties->is_object()) {
      for (auto& [name, child] : value.items()) {
        auto sub = properties->find(name);
        if (sub == properties->end()) {
          continue;
        }
        if (is_secret(*sub)) {
          child = "REDACTED";
        } else {
          redact(child, *sub);
        }
      }
    }
  } else if (value.is_array()) {
    if (auto items = schema.find("items"); items != schema.end() && items->is_object()) {
      for (auto& item : value) {
        if (is_secret(*items)) {
          item = "REDACTED";
        } else {
          redact(item, *items);
        }
      }
    }
  }
}

}  // namespace

nlohmann::json merge_config_update(const nlohmann::json& current, const nlohmann::json& update) {
  nlohmann::json merged = current.is_object() ? current : nlohmann::json::object();
  if (update.is_object()) {
    for (const auto& [key, value] : update.items()) {
      merged[key] = value;
    }
  }
  return merged;
}

std::vector<std::string> validate_config(const nlohmann::json& config,
                                         const nlohmann::json& schema) {
  valijson::Schema compiled;
  valijson::SchemaParser parser;
  // Airbyte specs name draft 7 but use nothing beyond draft 4 validation.
  nlohmann::json schema_copy = schema;
  schema_copy.erase("$schema");
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_copy);
  try {
    parser.populateSchema(schema_adapter, compiled);
  } catch (const std::exception& e) {
    throw flow::Error(std::string("cannot compile the connector's config schema: ") + e.what());
  }
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter config_adapter(config);
  std::vector<std::string> errors;
  if (validator.validate(compiled, config_adapter, &results)) {
    return errors;
  }
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string where;
    for (const auto& part : error.context) {
      if (part != "<root>") {
        where += part;
      }
    }
    errors.push_back((where.empty() ? "<root>" : where) + ": " + error.description);
  }
  return errors;
}

nlohmann::json redact_secrets(const nlohmann::json& config, const nlohmann::json& schema) {
  nlohmann::json copy = config;
  redact(copy, schema);
  return copy;
}

}  // namespace flow::airbyte
