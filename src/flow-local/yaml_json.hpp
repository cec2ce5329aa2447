// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>

/// Conversions between YAML and nlohmann::json, for flow.yaml catalogs (a superset of JSON).
/// Plain scalars are typed the YAML 1.2 core-schema way (null, true/false, integers, floats);
/// quoted scalars are always strings. Writing quotes every string that would otherwise read
/// back as another type ("true", "12", ""), so a rewritten catalog means what it meant.
///
/// Example:
///   nlohmann::json config = flow::local::yaml_to_json(YAML::Load("rate: 3\nname: 'x'"));
///   // config == {"rate":3,"name":"x"}
///   std::string text = flow::local::emit_yaml(nlohmann::ordered_json{{"s", "true"}});
///   // text == "s: \"true\""
namespace flow::local {

nlohmann::json yaml_to_json(const YAML::Node& node);
/// The same, keeping mapping keys in document order.
nlohmann::ordered_json yaml_to_ordered_json(const YAML::Node& node);

/// `value` as a block-style YAML document (no trailing newline). Pure.
std::string emit_yaml(const nlohmann::ordered_json& value);

/// Parses YAML or JSON text (JSON is valid YAML). Throws flow::ConfigError with `what` in the
/// message on a syntax error.
nlohmann::json parse_yaml_text(const std::string& text, const std::string& what);

}  // namespace flow::local
