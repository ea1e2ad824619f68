#include "ffstream/detail/tls_settings.h"

#include <cstdlib>
#include <fstream>

namespace ffstream::detail {

namespace {

// Where distributions keep their CA bundle (PEM): Debian/Ubuntu,
// Fedora/RHEL (two), openSUSE, Alpine.
constexpr const char* kCaBundles[] = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
};

}  // namespace

std::optional<std::string> system_ca_file() {
  // As OpenSSL and Python's ssl do: a set SSL_CERT_FILE is used as given.
  const char* env = std::getenv("SSL_CERT_FILE");
  if (env != nullptr && *env != '\0') return env;
  for (const char* path : kCaBundles) {
    if (std::ifstream(path).good()) return path;
  }
  return std::nullopt;
}

TlsSettings::TlsSettings(OptionMap& options)
    : settings_{{{"tls_verify", "verify", "1"},
                 {"ca_file", "cafile", std::nullopt}}} {
  for (auto& s : settings_) {
    for (const char* key : {s.alias, s.name}) {  // the name wins
      auto node = options.extract(key);
      if (node) s.value = std::move(node.mapped());
    }
  }
  if (!settings_[1].value) settings_[1].value = system_ca_file();
}

int TlsSettings::add_missing(AVDictionary** options) const noexcept {
  int added = 0;
  for (size_t i = 0; i < settings_.size(); ++i) {
    const Setting& s = settings_[i];
    if (!s.value || av_dict_get(*options, s.name, nullptr, 0) ||
        av_dict_get(*options, s.alias, nullptr, 0)) {
      continue;
    }
    const int ret = av_dict_set(options, s.name, s.value->c_str(), 0);
    if (ret < 0) {
      remove_unread(options, added);
      return ret;
    }
    added |= 1 << i;
  }
  return added;
}

void TlsSettings::remove_unread(AVDictionary** options,
                                int added) const noexcept {
  for (size_t i = 0; i < settings_.size(); ++i) {
    if (added & (1 << i)) av_dict_set(options, settings_[i].name, nullptr, 0);
  }
}

std::string TlsSettings::ca_description() const {
  const auto& ca_file = settings_[1].value;
  return ca_file ? "the CA file '" + *ca_file + "'"
                 : "the TLS library's default CAs (no CA bundle found)";
}

bool is_certificate_error(const std::string& log_line) {
  auto has = [&](const char* word) {
    return log_line.find(word) != std::string::npos;
  };
  return has("certificate") && (has("verif") || has("hostname"));
}

}  // namespace ffstream::detail
