// SPDX-License-Identifier: Apache-2.0
#include "flow-local/yaml_json.hpp"

#include <charconv>
#include <cstdint>
#include <flow/error.hpp>
#include <regex>

namespace flow::local {
namespace {

// A plain (unquoted) scalar, typed by the YAML 1.2 core schema.
nlohmann::json plain_scalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") {
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    return false;
  }
  static const std::regex kInteger("[-+]?[0-9]+");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(text, kInteger)) {
    const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
    const char* end = text.data() + text.size();
    if (text[0] == '-') {
      std::int64_t value = 0;
      if (std::from_chars(begin, end, value).ec == std::errc()) {
        return value;
      }
    } else {
      std::uint64_t value = 0;
      if (std::from_chars(begin, end, value).ec == std::errc()) {
        return value;
      }
    }
  }
  if (std::regex_match(text, kFloat)) {
    return std::stod(text);
  }
  return text;
}

}  // namespace

nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags plain scalars "?" and quoted ones "!".
      if (node.Tag() == "!") {
        return node.Scalar();
      }
      return plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) {
        out.push_back(yaml_to_json(item));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& item : node) {
        out[item.first.as<std::string>()] = yaml_to_json(item.second);
      }
      return out;
    }
  }
  return nullptr;
}

YAML::Node json_to_yaml(const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::object: {
      YAML::Node out(YAML::NodeType::Map);
      for (const auto& [key, item] : value.items()) {
        out[key] = json_to_yaml(item);
      }
      return out;
    }
    case nlohmann::json::value_t::array: {
      YAML::Node out(YAML::NodeType::Sequence);
      for (const auto& item : value) {
        out.push_back(json_to_yaml(item));
      }
      return out;
    }
    case nlohmann::json::value_t::string: {
      YAML::Node out(value.get<std::string>());
      // Keep strings that look like other scalars ("true", "12") strings when re-read.
      if (!plain_scalar(value.get<std::string>()).is_string()) {
        out.SetTag("!");
      }
      return out;
    }
    case nlohmann::json::value_t::null:
      return YAML::Node(YAML::NodeType::Null);
    default:
      return YAML::Node(value.dump());
  }
}

nlohmann::json parse_yaml_text(const std::string& text, const std::string& what) {
  try {
    return yaml_to_json(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    throw ConfigError(what + ": invalid YAML at line " + std::to_string(e.mark.line + 1) +
                      ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

}  // namespace flow::local
