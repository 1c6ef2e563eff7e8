// http: the libcurl multi transport (one event loop, one thread, many transfers in flight).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synthmod::http {

struct Request {
    std::string method = "POST";  ///< GET | POST | DELETE
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;  ///< name, value
    std::string body;
    /// Header names whose values must never be logged (e.g. x-api-key, authorization).
    std::vector<std::string> secret_headers;
};

/// Why a transfer failed before any response, as far as retrying is concerned: connect, resolve
/// and TLS failures repeat on every attempt while the server or network stays as it is.
enum class Failure { kNone, kConnect, kResolve, kTls, kTimeout, kOther };

/// A response's headers in arrival order, as (name, value) views into one block of text rather
/// than two strings each: ~20 headers per API answer, most names too long for a string's own
/// room, were ~40 allocations per request. Copies are safe (the views are made from offsets).
class Headers {
   public:
    using Header = std::pair<std::string_view, std::string_view>;  ///< name, value

    Headers() = default;
    Headers(std::initializer_list<Header> headers);
    Headers(const std::vector<std::pair<std::string, std::string>>& headers);  // NOLINT: implicit

    /// Adds a header as given.
    void emplace_back(std::string_view name, std::string_view value);
    /// Adds a header from a received header line: `line` is kept whole (one copy), its name
    /// `line[0, name_size)` lower-cased, its value `line[value_at, value_at + value_size)`.
    void add_line(std::string_view line, std::size_t name_size, std::size_t value_at,
                  std::size_t value_size);
    void clear();
    /// Room for `headers` headers of `bytes` bytes in all.
    void reserve(std::size_t headers, std::size_t bytes);
    std::size_t size() const { return spans_.size(); }
    bool empty() const { return spans_.empty(); }
    Header operator[](std::size_t i) const {
        const Span& s = spans_[i];
        const char* name = text_.data() + s.at;
        return {{name, s.name_size}, {name + s.name_size + s.gap, s.value_size}};
    }

    /// Walks the headers in order; yields Header values.
    class const_iterator {
       public:
        const_iterator(const Headers* headers, std::size_t i) : headers_(headers), i_(i) {}
        Header operator*() const { return (*headers_)[i_]; }
        const_iterator& operator++() {
            ++i_;
            return *this;
        }
        bool operator!=(const const_iterator& other) const { return i_ != other.i_; }
        bool operator==(const const_iterator& other) const { return i_ == other.i_; }

       private:
        const Headers* headers_;
        std::size_t i_;
    };
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, spans_.size()}; }

   private:
    /// Where a header's name starts in text_, its length, the bytes between it and its value,
    /// and the value's length (a header line is at most libcurl's 100 KB).
    struct Span {
        std::uint32_t at, name_size, gap, value_size;
    };
    std::string text_;  ///< every name followed by its value (or the received line whole)
    std::vector<Span> spans_;
};

struct Response {
    long status = 0;  ///< 0 when the transfer failed before a status line
    Headers headers;  ///< names lower-cased
    std::string body;
    /// Non-empty when the transfer itself failed (connection refused/reset, timeout, TLS ...).
    std::string transport_error;
    bool timed_out = false;
    Failure failure = Failure::kNone;  ///< kind of transport_error
    double seconds = 0;                ///< wall time of the transfer

    /// Value of the first header named `name` (lower-case), if present.
    std::optional<std::string> header(std::string_view name) const;
    /// The same without a copy: the value (a view into `headers`), or nullopt.
    std::optional<std::string_view> find_header(std::string_view name) const;
};

/// Transport options (DESIGN section 7: TLS verification is always on; no option turns it off).
struct Options {
    long connect_timeout_ms = 10'000;
    long timeout_ms = 600'000;     ///< whole transfer
    long low_speed_limit = 1;      ///< bytes/s ...
    long low_speed_time_s = 60;    ///< ... for this long aborts the transfer
    std::string cacert;            ///< extra CA bundle (--cacert); empty = system default
    int max_host_connections = 0;  ///< 0 = libcurl default (unlimited)
    bool verbose = false;          ///< log request lines to stderr (secrets redacted)
};

/// The proxy settings libcurl 7.88 reads from the environment for every request it connects
/// (url.c: no_proxy, then NO_PROXY; for http:// URLs http_proxy only, for https:// URLs
/// https_proxy, then HTTPS_PROXY; then all_proxy, then ALL_PROXY; a variable set to "" counts as
/// unset), read once here. The curl transport reads them when it is made and hands them to
/// libcurl (CURLOPT_PROXY, CURLOPT_NOPROXY), which then looks nothing up per request (five
/// getenv() calls each); libcurl still applies no_proxy to each request's host itself.
struct ProxyEnvironment {
    std::string no_proxy;     ///< "" = none
    std::string http_proxy;   ///< for http:// URLs; "" = none
    std::string https_proxy;  ///< for https:// URLs; "" = none
};
ProxyEnvironment read_proxy_environment();

/// The transport seen by the runner. Abstract so tests can drive the runner without sockets.
class Transport {
   public:
    virtual ~Transport() = default;
    /// Starts a transfer; its completion is reported by poll() with the same tag.
    virtual void start(std::uint64_t tag, const Request& request) = 0;
    /// start() for a request the caller is done with: a transport may take its buffers (the
    /// curl transport keeps the body it sends without copying it). By default, start().
    virtual void start_moved(std::uint64_t tag, Request&& request) { start(tag, request); }
    /// Waits at most `timeout_ms` for progress; returns the transfers that finished.
    virtual std::vector<std::pair<std::uint64_t, Response>> poll(int timeout_ms) = 0;
    /// Transfers started and not yet returned by poll().
    virtual std::size_t in_flight() const = 0;
    /// Aborts every transfer in flight (their results are discarded).
    virtual void cancel_all() = 0;
    /// Convenience: runs one request to completion (used for batch polling).
    Response perform(const Request& request);
};

/// libcurl multi implementation (the shape of curl's 10-at-a-time.c): connection reuse,
/// HTTP/2 multiplexing when offered, proxies from the environment as libcurl reads them.
/// curl_global_init must have been called once (in main).
std::unique_ptr<Transport> make_curl_transport(const Options& options);

/// Replaces every occurrence of `secret` in `text` by "[REDACTED]" (no-op for an empty secret).
std::string redact(std::string text, const std::string& secret);

}  // namespace synthmod::http
