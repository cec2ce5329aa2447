// SPDX-License-Identifier: Apache-2.0
#include <flow/json_util.hpp>

namespace flow::json {

void merge_patch(nlohmann::json& target, const nlohmann::json& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) {
    target = nlohmann::json::object();
  }
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      target.erase(key);
    } else {
      merge_patch(target[key], value);
    }
  }
}

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string make_pointer(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& token : tokens) {
    out.push_back('/');
    out += escape_pointer_token(token);
  }
  return out;
}

const nlohmann::json* find_pointer(const nlohmann::json& doc, std::string_view pointer) {
  if (pointer.empty()) {
    return &doc;
  }
  if (pointer.front() != '/') {
    return nullptr;
  }
  const nlohmann::json* node = &doc;
  std::size_t pos = 1;
  for (;;) {
    const std::size_t slash = pointer.find('/', pos);
    const std::string_view raw =
        pointer.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    std::string token;
    token.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token.push_back(raw[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        token.push_back(raw[i]);
      }
    }
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) {
        return nullptr;
      }
      node = &*it;
    } else if (node->is_array()) {
      if (token.empty() || token.size() > 19 ||
          token.find_first_not_of("0123456789") != std::string::npos ||
          (token.size() > 1 && token[0] == '0')) {
        return nullptr;
      }
      const auto index = std::stoull(token);
      if (index >= node->size()) {
        return nullptr;
      }
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    if (slash == std::string_view::npos) {
      return node;
    }
    pos = slash + 1;
  }
}

bool nesting_within(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) {
          return false;
        }
        break;
      case ']':
      case '}':
        if (depth > 0) {
          --depth;
        }
        break;
      default:
        break;
    }
  }
  return true;
}

}  // namespace flow::json
