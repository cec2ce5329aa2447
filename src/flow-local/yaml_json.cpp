// SPDX-License-Identifier: Apache-2.0
#include "flow-local/yaml_json.hpp"

#include <charconv>
#include <cstdint>
#include <flow/error.hpp>
#include <regex>

namespace flow::local {
namespace {

// A plain (unquoted) scalar, typed by the YAML 1.2 core schema.
template <typename Json>
Json plain_scalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") {
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    return false;
  }
  static const std::regex integer_pattern("[-+]?[0-9]+");
  static const std::regex float_pattern(
      R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
  if (std::regex_match(text, integer_pattern)) {
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
  if (std::regex_match(text, float_pattern)) {
    try {
      return std::stod(text);
    } catch (const std::exception&) {
      return text;  // .inf/.nan: JSON has no such numbers; keep the text
    }
  }
  return text;
}

template <typename Json>
Json convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags plain scalars "?" and quoted ones "!".
      if (node.Tag() == "!") {
        return node.Scalar();
      }
      return plain_scalar<Json>(node.Scalar());
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) {
        out.push_back(convert<Json>(item));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& item : node) {
        out[item.first.as<std::string>()] = convert<Json>(item.second);
      }
      return out;
    }
  }
  return nullptr;
}

void emit(YAML::Emitter& out, const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::object:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        emit(out, key);
        out << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      return;
    case nlohmann::ordered_json::value_t::array:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : value) {
        emit(out, item);
      }
      out << YAML::EndSeq;
      return;
    case nlohmann::ordered_json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (!plain_scalar<nlohmann::json>(text).is_string()) {
        out << YAML::DoubleQuoted << text;
      } else {
        out << text;
      }
      return;
    }
    case nlohmann::ordered_json::value_t::null:
      out << YAML::Null;
      return;
    default:
      out << value.dump();
      return;
  }
}

}  // namespace

nlohmann::json yaml_to_json(const YAML::Node& node) {
  return convert<nlohmann::json>(node);
}

nlohmann::ordered_json yaml_to_ordered_json(const YAML::Node& node) {
  return convert<nlohmann::ordered_json>(node);
}

std::string emit_yaml(const nlohmann::ordered_json& value) {
  YAML::Emitter out;
  emit(out, value);
  return out.c_str();
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
