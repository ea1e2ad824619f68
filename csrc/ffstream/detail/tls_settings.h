// TlsSettings: the options that make FFmpeg's tls protocol (under https://,
// tls://, rtmps://, ...) check the server's certificate and host name.
// FFmpeg does not by default: tls_verify is 0 (up to libavformat 62), and
// with GnuTLS and no ca_file it trusts the CA path compiled into GnuTLS,
// which another distribution may not have (libavformat/tls.h,
// tls_gnutls.c). A value object; safe to read from any thread.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "ffstream/detail/ffmpeg.h"
#include "ffstream/options.h"

namespace ffstream::detail {

// The CA bundle certificates are checked against by default: $SSL_CERT_FILE
// when set, else the first of the distributions' usual bundles that exists;
// nullopt when there is none (the TLS library's own default then applies).
// $SSL_CERT_DIR has no equivalent: FFmpeg's ca_file names a file.
std::optional<std::string> system_ca_file();

class TlsSettings {
 public:
  // Takes tls_verify and ca_file, under FFmpeg's names or aliases, out of
  // the caller's `options`: they apply to every URL the source opens, and
  // are no option left unused where none is TLS. Absent, verification is
  // on against system_ca_file().
  explicit TlsSettings(OptionMap& options);

  // Adds to `*options` each setting that it names under neither name.
  // Returns a mask of what it added (for remove_unread), or a negative
  // AVERROR. Never throws: it runs inside FFmpeg's io_open.
  int add_missing(AVDictionary** options) const noexcept;
  // Removes the settings `added` put there that are still in `*options`,
  // i.e. that no tls protocol read (the URL did not use TLS).
  void remove_unread(AVDictionary** options, int added) const noexcept;

  // Where the trusted CAs come from, for messages.
  std::string ca_description() const;

 private:
  struct Setting {
    const char* name;
    const char* alias;
    std::optional<std::string> value;
  };
  std::array<Setting, 2> settings_;  // tls_verify, ca_file
};

// Whether FFmpeg's last logged error (`log_line`) is a TLS library refusing
// the server's certificate (GnuTLS: "Peer certificate failed verification",
// "The certificate's owner does not match hostname ..."; OpenSSL:
// "... certificate verify failed").
bool is_certificate_error(const std::string& log_line);

}  // namespace ffstream::detail
