// SPDX-License-Identifier: Apache-2.0
#include <flow/airbyte/oauth2_translation.hpp>
#include <flow/error.hpp>
#include <flow/json_util.hpp>
#include <string>
#include <vector>

namespace flow::airbyte {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.push_back(trim(text.substr(begin, i - begin)));
      begin = i + 1;
    }
  }
  return parts;
}

// The default parameter name of each `*_key` placeholder.
std::string default_key_name(std::string_view placeholder) {
  if (placeholder == "auth_code_key") {
    return "code";
  }
  // client_id_key → client_id, redirect_uri_key → redirect_uri, …
  return std::string(placeholder.substr(0, placeholder.size() - 4));
}

// One operand of a placeholder expression, rendered as Flow mustache.
std::string render_operand(std::string_view operand,
                           const nlohmann::json& keys,
                           std::string_view scope,
                           std::string_view whole) {
  while (operand.size() >= 2 && operand.front() == '(' && operand.back() == ')') {
    operand = trim(operand.substr(1, operand.size() - 2));
  }
  if (operand.size() >= 2 && (operand.front() == '\'' || operand.front() == '"') &&
      operand.back() == operand.front()) {
    return std::string(operand.substr(1, operand.size() - 2));
  }
  if (operand == "client_id_value") {
    return "{{{ client_id }}}";
  }
  if (operand == "client_secret_value") {
    return "{{{ client_secret }}}";
  }
  if (operand == "redirect_uri_value") {
    return "{{{ redirect_uri }}}";
  }
  if (operand == "state_value") {
    return "{{{ state }}}";
  }
  if (operand == "auth_code_value") {
    return "{{{ code }}}";
  }
  if (operand == "scope_value") {
    return std::string(scope);
  }
  if (operand.size() > 4 && operand.substr(operand.size() - 4) == "_key") {
    if (auto found = keys.find(std::string(operand)); found != keys.end() && found->is_string()) {
      return found->get<std::string>();
    }
    return default_key_name(operand);
  }
  throw flow::Error("airbyte advanced_auth: placeholder '" + std::string(whole) +
                    "' has no Flow OAuth2 equivalent; supply an oauth2 override file");
}

std::string render_placeholder(std::string_view inner,
                               const nlohmann::json& keys,
                               std::string_view scope) {
  auto stages = split(inner, '|');
  std::vector<std::string_view> filters(stages.begin() + 1, stages.end());
  // `x | codeChallengeS256` is the PKCE challenge, which Flow computes itself.
  for (auto filter : filters) {
    if (filter == "codeChallengeS256") {
      return "{{{ code_challenge }}}";
    }
  }
  std::string_view expression = stages.front();
  while (expression.size() >= 2 && expression.front() == '(' && expression.back() == ')') {
    expression = trim(expression.substr(1, expression.size() - 2));
  }
  std::string rendered;
  for (auto operand : split(expression, '~')) {
    rendered += render_operand(operand, keys, scope, inner);
  }
  for (auto filter : filters) {
    if (filter == "urlEncoder" || filter == "urlencode") {
      rendered = "{{#urlencode}}" + rendered + "{{/urlencode}}";
    } else if (filter == "base64Encoder" || filter == "b64encode") {
      rendered = "{{#basicauth}}" + rendered + "{{/basicauth}}";
    } else {
      throw flow::Error("airbyte advanced_auth: filter '" + std::string(filter) + "' in '" +
                        std::string(inner) +
                        "' has no Flow OAuth2 equivalent; supply an oauth2 override file");
    }
  }
  return rendered;
}

// "https://app.hubspot.com/oauth/authorize?…" → "hubspot".
std::string provider_from_url(std::string_view url) {
  auto scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  std::string_view host = rest.substr(0, rest.find_first_of("/?:"));
  auto labels = split(host, '.');
  for (std::size_t i = labels.size(); i-- > 0;) {
    if (i + 1 == labels.size() && labels.size() > 1) {
      continue;  // the top-level domain
    }
    if (!labels[i].empty() && labels[i].find('{') == std::string_view::npos) {
      return std::string(labels[i]);
    }
  }
  return "oauth";
}

bool looks_like_flow_oauth2(const nlohmann::json& value) {
  return value.is_object() && value.contains("authUrlTemplate") &&
         value.contains("accessTokenUrlTemplate");
}

bool is_form_encoded(const nlohmann::json& headers) {
  for (const auto& [name, value] : headers.items()) {
    if (value.is_string() &&
        value.get<std::string>().find("x-www-form-urlencoded") != std::string::npos) {
      return true;
    }
  }
  return false;
}

nlohmann::json response_map(const nlohmann::json& oauth_config, const nlohmann::json& input) {
  nlohmann::json map = nlohmann::json::object();
  auto output_spec = oauth_config.value("complete_oauth_output_specification", nlohmann::json());
  if (output_spec.is_object() && output_spec.contains("properties") &&
      output_spec["properties"].is_object()) {
    for (const auto& [name, property] : output_spec["properties"].items()) {
      std::string config_name = name;
      auto path = property.value("path_in_connector_config", nlohmann::json());
      if (path.is_array() && !path.empty() && path.back().is_string()) {
        config_name = path.back().get<std::string>();
      }
      std::string pointer;
      auto response_path = property.value("path_in_oauth_response", nlohmann::json());
      if (response_path.is_array() && !response_path.empty()) {
        for (const auto& token : response_path) {
          pointer += "/" + flow::json::escape_pointer_token(token.get<std::string>());
        }
      } else {
        pointer = "/" + flow::json::escape_pointer_token(name);
      }
      map[config_name] = pointer;
    }
  }
  auto extract = input.value("extract_output", nlohmann::json());
  if (extract.is_array()) {
    for (const auto& name : extract) {
      if (name.is_string() && !map.contains(name.get<std::string>())) {
        map[name.get<std::string>()] =
            "/" + flow::json::escape_pointer_token(name.get<std::string>());
      }
    }
  }
  if (map.empty()) {
    map["access_token"] = "/access_token";
  }
  return map;
}

}  // namespace

std::string rewrite_oauth_template(std::string_view airbyte_template,
                                   const nlohmann::json& keys,
                                   std::string_view scope) {
  std::string out;
  std::size_t pos = 0;
  while (pos < airbyte_template.size()) {
    auto open = airbyte_template.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(airbyte_template.substr(pos));
      break;
    }
    auto close = airbyte_template.find("}}", open + 2);
    if (close == std::string_view::npos) {
      throw flow::Error("airbyte advanced_auth: unterminated '{{' in '" +
                        std::string(airbyte_template) + "'");
    }
    out.append(airbyte_template.substr(pos, open - pos));
    out +=
        render_placeholder(trim(airbyte_template.substr(open + 2, close - open - 2)), keys, scope);
    pos = close + 2;
  }
  return out;
}

nlohmann::json translate_oauth2(const nlohmann::json& airbyte_spec,
                                const std::optional<std::string>& provider) {
  const nlohmann::json advanced = airbyte_spec.value("advanced_auth", nlohmann::json());
  const nlohmann::json oauth_config =
      advanced.is_object() ? advanced.value("oauth_config_specification", nlohmann::json())
                           : nlohmann::json();
  const nlohmann::json input =
      oauth_config.is_object()
          ? oauth_config.value("oauth_connector_input_specification", nlohmann::json())
          : nlohmann::json();

  if (input.is_object() && input.contains("consent_url") && input.contains("access_token_url")) {
    const std::string scope = input.value("scope", std::string());
    const std::string consent_url = input["consent_url"].get<std::string>();
    nlohmann::json out = nlohmann::json::object();
    out["provider"] = provider ? *provider : provider_from_url(consent_url);
    out["authUrlTemplate"] = rewrite_oauth_template(consent_url, input, scope);
    out["accessTokenUrlTemplate"] =
        rewrite_oauth_template(input["access_token_url"].get<std::string>(), input, scope);
    nlohmann::json headers = nlohmann::json::object();
    if (auto found = input.find("access_token_headers");
        found != input.end() && found->is_object()) {
      for (const auto& [name, value] : found->items()) {
        headers[name] = rewrite_oauth_template(value.get<std::string>(), input, scope);
      }
    }
    if (auto params = input.find("access_token_params");
        params != input.end() && params->is_object() && !params->empty()) {
      std::string body;
      if (is_form_encoded(headers)) {
        for (const auto& [name, value] : params->items()) {
          body += (body.empty() ? "" : "&") + rewrite_oauth_template(name, input, scope) + "=" +
                  rewrite_oauth_template(value.get<std::string>(), input, scope);
        }
      } else {
        nlohmann::json json_body = nlohmann::json::object();
        for (const auto& [name, value] : params->items()) {
          json_body[rewrite_oauth_template(name, input, scope)] =
              rewrite_oauth_template(value.get<std::string>(), input, scope);
        }
        body = json_body.dump();
      }
      out["accessTokenBody"] = body;
    }
    if (!headers.empty()) {
      out["accessTokenHeaders"] = headers;
    }
    out["accessTokenResponseMap"] = response_map(oauth_config, input);
    return out;
  }

  if (auto legacy = airbyte_spec.find("authSpecification");
      legacy != airbyte_spec.end() && legacy->is_object()) {
    if (looks_like_flow_oauth2(*legacy)) {
      nlohmann::json out = *legacy;
      out.erase("auth_type");
      return out;
    }
    if (auto nested = legacy->find("oauth2Specification");
        nested != legacy->end() && looks_like_flow_oauth2(*nested)) {
      return *nested;
    }
  }
  return nullptr;
}

}  // namespace flow::airbyte
