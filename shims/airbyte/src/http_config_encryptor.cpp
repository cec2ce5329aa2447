// SPDX-License-Identifier: Apache-2.0
#include <curl/curl.h>

#include <flow/airbyte/http_config_encryptor.hpp>
#include <flow/error.hpp>
#include <memory>
#include <mutex>

namespace flow::airbyte {
namespace {

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

HttpConfigEncryptor::HttpConfigEncryptor(std::string url, std::chrono::milliseconds timeout)
    : url_(std::move(url)), timeout_(timeout) {}

nlohmann::json HttpConfigEncryptor::seal(const nlohmann::json& config,
                                         const nlohmann::json& schema) {
  global_init_once();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    throw flow::Error("config encryption: cannot initialise libcurl");
  }
  const std::string body = nlohmann::json{{"config", config}, {"schema", schema}}.dump();
  std::string response;
  curl_slist* raw_headers = curl_slist_append(nullptr, "Content-Type: application/json");
  raw_headers = curl_slist_append(raw_headers, "Accept: application/json");
  std::unique_ptr<curl_slist, HeaderListDeleter> headers(raw_headers);

  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);

  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    throw flow::Error("config encryption: POST " + url_ + " failed: " + curl_easy_strerror(code));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    // The body is not quoted: an error page could echo the request.
    throw flow::Error("config encryption: POST " + url_ + " answered HTTP " +
                      std::to_string(status));
  }
  nlohmann::json sealed = nlohmann::json::parse(response, nullptr, false);
  if (sealed.is_discarded() || !sealed.is_object()) {
    throw flow::Error("config encryption: POST " + url_ +
                      " answered with a body that is not a "
                      "JSON object");
  }
  return sealed;
}

}  // namespace flow::airbyte
