#include "common/llm/http.h"

#include <curl/curl.h>

#if LIBCURL_VERSION_NUM < 0x075000
#error "libcurl 7.80 or later is needed (CURLOPT_PREREQFUNCTION)"
#endif
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <unordered_map>

namespace synthmod::http {

Headers::Headers(std::initializer_list<Header> headers) {
    for (const auto& [name, value] : headers) emplace_back(name, value);
}

Headers::Headers(const std::vector<std::pair<std::string, std::string>>& headers) {
    for (const auto& [name, value] : headers) emplace_back(name, value);
}

void Headers::emplace_back(std::string_view name, std::string_view value) {
    spans_.push_back({static_cast<std::uint32_t>(text_.size()),
                      static_cast<std::uint32_t>(name.size()), 0,
                      static_cast<std::uint32_t>(value.size())});
    text_.append(name).append(value);
}

void Headers::add_line(std::string_view line, std::size_t name_size, std::size_t value_at,
                       std::size_t value_size) {
    const std::size_t at = text_.size();
    spans_.push_back({static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(name_size),
                      static_cast<std::uint32_t>(value_at - name_size),
                      static_cast<std::uint32_t>(value_size)});
    text_.append(line);
    char* p = text_.data() + at;
    for (char* end = p + name_size; p < end; ++p)  // a select, not a branch: 16 bytes a step
        *p = static_cast<char>(*p >= 'A' && *p <= 'Z' ? *p | 0x20 : *p);
}

void Headers::clear() {
    text_.clear();
    spans_.clear();
}

void Headers::reserve(std::size_t headers, std::size_t bytes) {
    spans_.reserve(headers);
    text_.reserve(bytes);
}

std::optional<std::string> Response::header(std::string_view name) const {
    if (auto value = find_header(name)) return std::string(*value);
    return std::nullopt;
}

std::optional<std::string_view> Response::find_header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return v;
    return std::nullopt;
}

std::string redact(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    static const std::string kMask = "[REDACTED]";
    for (std::size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + kMask.size()))
        text.replace(pos, secret.size(), kMask);
    return text;
}

Response Transport::perform(const Request& request) {
    // Results of other transfers would be lost here, so refuse rather than drop them.
    if (in_flight() != 0)
        throw std::logic_error("http::Transport::perform called with transfers in flight");
    const std::uint64_t tag = ~std::uint64_t{0};
    start(tag, request);
    for (;;) {
        for (auto& [t, response] : poll(1000))
            if (t == tag) return std::move(response);
    }
}

namespace {

/// "host:port" of a URL (the scheme's default port when it names none), or "host" without
/// `with_port`, for error messages.
std::string host_port(const std::string& url, bool with_port = true) {
    std::string out = url;
    if (CURLU* u = curl_url()) {
        if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
            char* host = nullptr;
            char* port = nullptr;
            if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
                curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
                out = with_port ? std::string(host) + ":" + port : std::string(host);
            curl_free(host);
            curl_free(port);
        }
        curl_url_cleanup(u);
    }
    return out;
}

std::string lower_first(std::string s) {
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
}

Failure failure_of(CURLcode code) {
    switch (code) {
        case CURLE_COULDNT_CONNECT:
            return Failure::kConnect;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            return Failure::kResolve;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_USE_SSL_FAILED:
            return Failure::kTls;
        case CURLE_OPERATION_TIMEDOUT:
            return Failure::kTimeout;
        default:
            return Failure::kOther;
    }
}

struct EasyDeleter {
    void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct MultiDeleter {
    void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct UrlDeleter {
    void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using UrlPtr = std::unique_ptr<CURLU, UrlDeleter>;
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;

/// One transfer in flight; its address is the easy handle's CURLOPT_PRIVATE.
/// Headers an API answer usually carries (the Messages API: ~20 with its rate limits), room
/// made for them at once rather than by five reallocations.
constexpr std::size_t kUsualHeaders = 24;
/// Their names and values in all (the fake server's ~20 headers: ~700 bytes).
constexpr std::size_t kUsualHeaderBytes = 1024;  // lines whole, CRLF included

/// A request URL's scheme, as far as the proxy from the environment goes.
enum class Scheme { kUnset, kHttp, kHttps, kOther };

struct Transfer {
    std::uint64_t tag = 0;
    EasyPtr easy;
    std::shared_ptr<curl_slist> headers;  ///< shared by the transfers with the same headers
    std::string body;             ///< CURLOPT_POSTFIELDS points into it: must outlive the transfer
    bool asked = false;           ///< the request went out once (on_prereq)
    bool resend_refused = false;  ///< on_prereq refused libcurl's own second sending
    std::string method, url;
    std::vector<std::string> secrets;  ///< values of the request's secret headers
    Response response;
    char error[CURL_ERROR_SIZE] = {0};
    std::chrono::steady_clock::time_point started;
    /// The URL scheme CURLOPT_PROXY was last set for on this handle (CurlTransport::set_proxy).
    Scheme proxy_scheme = Scheme::kUnset;
};

/// CURLOPT_PREREQFUNCTION, called each time libcurl is about to send the request. When a reused
/// connection dies before any answer, libcurl silently sends the request again on a new one
/// (invisible to the runner's request count, retry limit and backoff, and possibly paid twice).
/// Refusing that second sending turns it into a connection error the runner retries and counts
/// itself. (The body goes out with CURLOPT_POSTFIELDS, in the same send(2) as the headers; a read
/// callback that refused to rewind did this before, at one more send and poll per request.)
int on_prereq(void* user, char*, char*, int, int) {
    auto* t = static_cast<Transfer*>(user);
    if (t->asked) {
        t->resend_refused = true;
        return CURL_PREREQFUNC_ABORT;
    }
    t->asked = true;
    return CURL_PREREQFUNC_OK;
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    static_cast<Transfer*>(user)->response.body.append(data, size * n);
    return size * n;
}

/// Header lines arrive one by one; a new status line (a 100 Continue, a redirect, a proxy's
/// CONNECT answer) starts a new response, so only the last response's headers are kept.
std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t len = size * n;
    if (len >= 5 && std::memcmp(data, "HTTP/", 5) == 0) {
        t->response.headers.clear();
        return len;
    }
    const char* end = data + len;
    const char* colon = static_cast<const char*>(std::memchr(data, ':', len));
    if (!colon) return len;  // the blank line ending the headers
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    const char* name_end = colon;
    while (name_end > data && is_space(name_end[-1])) --name_end;
    const char* value = colon + 1;
    while (value < end && is_space(*value)) ++value;
    while (end > value && is_space(end[-1])) --end;
    t->response.headers.add_line(
        std::string_view(data, len), static_cast<std::size_t>(name_end - data),
        static_cast<std::size_t>(value - data), static_cast<std::size_t>(end - value));
    return len;
}

class CurlTransport : public Transport {
   public:
    explicit CurlTransport(const Options& options)
        : options_(options),
          proxy_env_(read_proxy_environment()),
          epoll_(::epoll_create1(EPOLL_CLOEXEC)), multi_(curl_multi_init()) {
        if (!multi_) throw std::runtime_error("curl_multi_init failed");
        if (epoll_.get() < 0) throw std::runtime_error("epoll_create1 failed");
        curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, on_socket);
        curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
        curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, on_timer);
        curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
        curl_multi_setopt(multi_.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
        if (options_.max_host_connections > 0)
            curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                              static_cast<long>(options_.max_host_connections));
    }

    ~CurlTransport() override {
        cancel_all();
        multi_.reset();  // closes cached connections while the callbacks' state is intact
        idle_.clear();
    }

    void start(std::uint64_t tag, const Request& request) override {
        std::unique_ptr<Transfer> t = take_idle();
        t->body = request.body;
        begin(std::move(t), tag, request);
    }

    void start_moved(std::uint64_t tag, Request&& request) override {
        std::unique_ptr<Transfer> t = take_idle();
        t->body = std::move(request.body);  // no copy of the body, nor fresh pages for one
        begin(std::move(t), tag, request);
    }

    /// Starts `t`, its body already in place, for `request`.
    void begin(std::unique_ptr<Transfer> t, std::uint64_t tag, const Request& request) {
        t->tag = tag;
        t->url = request.url;
        t->asked = t->resend_refused = false;
        t->secrets.clear();
        t->response = Response{};
        t->response.headers.reserve(kUsualHeaders, kUsualHeaderBytes);
        t->error[0] = '\0';
        for (const auto& secret : request.secret_headers)
            for (const auto& [name, value] : request.headers)
                if (strcasecmp(name.c_str(), secret.c_str()) == 0 && !value.empty())
                    t->secrets.push_back(value);
        configure(*t, request);
        t->started = std::chrono::steady_clock::now();
        CURL* easy = t->easy.get();
        Transfer* key = t.get();
        active_.emplace(key, std::move(t));
        grow_connection_cache();
        if (CURLMcode rc = curl_multi_add_handle(multi_.get(), easy); rc != CURLM_OK) {
            idle_.push_back(std::move(active_.at(key)));
            active_.erase(key);
            throw std::runtime_error(std::string("curl_multi_add_handle: ") +
                                     curl_multi_strerror(rc));
        }
    }

    std::vector<std::pair<std::uint64_t, Response>> poll(int timeout_ms) override {
        // libcurl's socket interface: it tells us which sockets to watch (on_socket) and when
        // its next timeout is due (on_timer); epoll reports only the sockets that are ready, so
        // a wake-up costs O(ready sockets), not O(transfers in flight) as curl_multi_poll does.
        std::vector<std::pair<std::uint64_t, Response>> done;
        int running = 0;
        int wait = std::max(0, timeout_ms);
        const auto now = std::chrono::steady_clock::now();
        // A timeout due already (libcurl asks for one at once when transfers are added, to
        // send them): run it without looking at the sockets, which the next poll does. That
        // saves an epoll_wait returning at once per group of requests started; never twice in
        // a row, so that sockets are looked at whatever libcurl's timer does.
        const bool timer_first = timer_due_ && *timer_due_ <= now && !skipped_epoll_;
        skipped_epoll_ = timer_first;
        if (timer_due_) {
            // Rounded up: waking before libcurl's timeout is due would only spin.
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*timer_due_ - now).count();
            wait = static_cast<int>(std::clamp<long long>(left, 0, wait));
        }
        epoll_event events[64];
        const int n = timer_first ? 0 : ::epoll_wait(epoll_.get(), events, 64, wait);
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (Watch& w = watch(fd); !w.wanted) {  // an idle connection: closed by its server
                unwatch(fd, w);
                continue;
            }
            int flags = 0;
            if (events[i].events & (EPOLLIN | EPOLLHUP)) flags |= CURL_CSELECT_IN;
            if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
            if (events[i].events & EPOLLERR) flags |= CURL_CSELECT_ERR;
            curl_multi_socket_action(multi_.get(), fd, flags, &running);
        }
        if (timer_due_ && *timer_due_ <= std::chrono::steady_clock::now()) {
            timer_due_.reset();
            curl_multi_socket_action(multi_.get(), CURL_SOCKET_TIMEOUT, 0, &running);
        }
        collect(done);
        return done;
    }

    std::size_t in_flight() const override { return active_.size(); }

    void cancel_all() override {
        for (auto& [key, t] : active_) {
            curl_multi_remove_handle(multi_.get(), t->easy.get());
            idle_.push_back(std::move(t));
        }
        active_.clear();
    }

   private:
    /// CURLMOPT_SOCKETFUNCTION: keeps the epoll set watching the sockets libcurl waits on.
    /// A connection socket libcurl stops watching (its transfer finished, the connection went
    /// back to the cache) stays in the set, so that the next request on it costs no epoll_ctl
    /// at all when it waits for the same events; were it one per call, a request cost three
    /// (one of them failing), a third of the loop's system calls. Such an idle socket is taken
    /// out when it fires (poll) or is closed (on_close).
    static int on_socket(CURL*, curl_socket_t fd, int what, void* self, void* socketp) {
        auto* me = static_cast<CurlTransport*>(self);
        Watch& watch = me->watch(fd);
        if (what == CURL_POLL_REMOVE) {
            watch.wanted = false;
            // Other sockets (a resolver's) are closed without on_close: out at once, so that
            // a new socket given the same number is never taken for this one.
            if (!watch.connection) me->unwatch(fd, watch);
            return 0;
        }
        std::uint32_t events = 0;
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= EPOLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= EPOLLOUT;
        watch.wanted = true;
        if (watch.events == events) return 0;  // in the set already, for these events
        epoll_event ev{};
        ev.data.fd = fd;
        ev.events = events;
        int ep = me->epoll_.get();
        if (watch.events != 0) {
            if (::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0)
                ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        } else if (::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        }
        watch.events = events;
        return 0;
    }

    /// CURLOPT_OPENSOCKETFUNCTION: a new connection socket, which is in no epoll set yet (a
    /// socket that had its number was closed, and closing takes a socket out of every set).
    static curl_socket_t on_open(void* self, curlsocktype, curl_sockaddr* address) {
        curl_socket_t fd = ::socket(address->family, address->socktype, address->protocol);
        if (fd != CURL_SOCKET_BAD) {
            Watch& watch = static_cast<CurlTransport*>(self)->watch(fd);
            watch = Watch{};
            watch.connection = true;
        }
        return fd;
    }

    /// CURLOPT_CLOSESOCKETFUNCTION: a connection socket closes (libcurl has said
    /// CURL_POLL_REMOVE for it before, if it watched it).
    static int on_close(void* self, curl_socket_t fd) {
        auto* me = static_cast<CurlTransport*>(self);
        Watch& watch = me->watch(fd);
        me->unwatch(fd, watch);
        watch.connection = false;
        return ::close(fd);
    }

    /// What the epoll set holds for one socket number.
    struct Watch {
        std::uint32_t events = 0;  ///< EPOLLIN/EPOLLOUT it is in the set for; 0 = not in it
        bool wanted = false;       ///< libcurl waits on it (else: an idle connection)
        bool connection = false;   ///< opened by on_open and not yet closed by on_close
    };

    Watch& watch(curl_socket_t fd) {
        auto i = static_cast<std::size_t>(fd);
        if (i >= watches_.size()) watches_.resize(i + 1);
        return watches_[i];
    }

    void unwatch(curl_socket_t fd, Watch& watch) {
        if (watch.events != 0) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
        watch.events = 0;
        watch.wanted = false;
    }

    /// CURLMOPT_TIMERFUNCTION: when libcurl next needs curl_multi_socket_action(TIMEOUT).
    static int on_timer(CURLM*, long timeout_ms, void* self) {
        auto* t = static_cast<CurlTransport*>(self);
        if (timeout_ms < 0)
            t->timer_due_.reset();
        else
            t->timer_due_ =
                std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        return 0;
    }

    /// The options every request sets alike, set once per handle: the handle stays with its
    /// Transfer for good (idle in idle_ between requests), so the pointers to it stay valid.
    void configure_handle(Transfer& t) {
        CURL* e = t.easy.get();
        curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
        curl_easy_setopt(e, CURLOPT_PREREQDATA, &t);
        curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open);
        curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, this);
        curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close);
        curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, options_.timeout_ms);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_limit);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, options_.low_speed_time_s);
        // TLS verification stays on, always (DESIGN section 7); only the CA bundle can change.
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
        if (!options_.cacert.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options_.cacert.c_str());
        // Proxies: the environment's, read once (read_proxy_environment); CURLOPT_PROXY is set
        // per URL scheme in configure().
        curl_easy_setopt(e, CURLOPT_NOPROXY, proxy_env_.no_proxy.c_str());
        t.proxy_scheme = Scheme::kUnset;
    }

    /// CURLOPT_PROXY for `url`'s scheme, set when it changes. A URL neither http:// nor
    /// https:// (libcurl says what is wrong with it) gets no explicit proxy: libcurl's default.
    void set_proxy(Transfer& t, const std::string& url) {
        auto starts = [&url](const char* prefix, std::size_t n) {
            return url.size() >= n && curl_strnequal(url.c_str(), prefix, n);
        };
        Scheme scheme = starts("https://", 8)  ? Scheme::kHttps
                        : starts("http://", 7) ? Scheme::kHttp
                                               : Scheme::kOther;
        if (scheme == t.proxy_scheme) return;
        const char* proxy = scheme == Scheme::kHttps  ? proxy_env_.https_proxy.c_str()
                            : scheme == Scheme::kHttp ? proxy_env_.http_proxy.c_str()
                                                      : nullptr;
        curl_easy_setopt(t.easy.get(), CURLOPT_PROXY, proxy);
        t.proxy_scheme = scheme;
    }

    /// The options of this request. A handle last used for another method starts over from
    /// libcurl's defaults (curl_easy_reset), so that no method's options stay behind.
    void configure(Transfer& t, const Request& r) {
        CURL* e = t.easy.get();
        if (t.method != r.method) {
            if (!t.method.empty()) curl_easy_reset(e);
            configure_handle(t);
            t.method = r.method;
        }
        if (CURLU* parsed = parsed_url(r.url)) {
            curl_easy_setopt(e, CURLOPT_CURLU, parsed);
        } else {  // libcurl parses it again and says what is wrong with it
            curl_easy_setopt(e, CURLOPT_CURLU, nullptr);
            curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
        }
        // Over TLS, wait for a connection being set up to learn (ALPN) whether it multiplexes
        // rather than opening one per request. Not over plain http: there it would hold every
        // new request until the first response arrives, since HTTP/1.1 is known only then.
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, r.url.compare(0, 8, "https://") == 0 ? 1L : 0L);
        set_proxy(t, r.url);

        t.headers = header_list(r.headers);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers.get());

        auto send_body = [&] {
            curl_easy_setopt(e, CURLOPT_POST, 1L);
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(t.body.size()));
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.body.data());
        };
        if (r.method == "GET") {
            curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        } else if (r.method == "POST") {
            send_body();
        } else {
            if (!t.body.empty()) send_body();
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
        }
    }

    /// The header list for `headers`: the last one made when they are the same (every request
    /// of a run sends the same headers; libcurl only reads the list).
    std::shared_ptr<curl_slist> header_list(
        const std::vector<std::pair<std::string, std::string>>& headers) {
        if (last_list_ && headers == last_headers_) return last_list_;
        curl_slist* list = nullptr;
        for (const auto& [name, value] : headers) {
            std::string line = name + ": " + value;
            list = curl_slist_append(list, line.c_str());
        }
        list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
        last_list_.reset(list, SlistDeleter{});
        last_headers_ = headers;
        return last_list_;
    }

    /// `url` parsed by libcurl's URL parser once per distinct URL (every request of a run goes
    /// to one or two), with the flags libcurl parses a CURLOPT_URL string with; nullptr when it
    /// does not parse. Given as CURLOPT_CURLU, it spares libcurl parsing the URL string again for
    /// every request (curl_url_set and the URL put back together: ~6k instructions a request).
    /// libcurl reads the handle whenever it (re)starts a transfer, so a parsed URL lives as
    /// long as the transport; past kMaxUrls distinct URLs, the string is handed over as before.
    CURLU* parsed_url(const std::string& url) {
        auto found = urls_.find(url);
        if (found != urls_.end()) return found->second.get();
        if (urls_.size() >= kMaxUrls) return nullptr;
        UrlPtr parsed(curl_url());
        if (parsed && curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(),
                                   CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
            parsed.reset();
        return urls_.emplace(url, std::move(parsed)).first->second.get();
    }

    /// An idle Transfer with its handle (configured for its last request), or a new one.
    std::unique_ptr<Transfer> take_idle() {
        if (!idle_.empty()) {
            std::unique_ptr<Transfer> t = std::move(idle_.back());
            idle_.pop_back();
            return t;
        }
        auto t = std::make_unique<Transfer>();
        t->easy.reset(curl_easy_init());
        if (!t->easy) throw std::runtime_error("curl_easy_init failed");
        return t;
    }

    /// libcurl keeps at most CURLMOPT_MAXCONNECTS idle connections; keep room for every
    /// connection the current concurrency needs so that none is closed between requests.
    void grow_connection_cache() {
        long want = static_cast<long>(active_.size()) + 8;
        if (want > max_connects_) {
            max_connects_ = std::max(want, max_connects_ * 2);
            curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, max_connects_);
        }
    }

    void collect(std::vector<std::pair<std::uint64_t, Response>>& done) {
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL* easy = msg->easy_handle;
            CURLcode code = msg->data.result;
            char* priv = nullptr;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
            auto it = active_.find(reinterpret_cast<Transfer*>(priv));
            curl_multi_remove_handle(multi_.get(), easy);
            if (it == active_.end()) continue;
            std::unique_ptr<Transfer> t = std::move(it->second);
            active_.erase(it);
            finish(*t, code);
            done.emplace_back(t->tag, std::move(t->response));
            idle_.push_back(std::move(t));
        }
    }

    void finish(Transfer& t, CURLcode code) {
        Response& r = t.response;
        r.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t.started).count();
        long status = 0;
        curl_easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &status);
        r.status = status;
        if (code != CURLE_OK) {
            if (t.resend_refused) {  // see on_prereq
                r.transport_error = "the connection closed before any response";
            } else {
                r.transport_error = curl_easy_strerror(code);
                if (t.error[0]) r.transport_error += std::string(": ") + t.error;
            }
            r.timed_out = code == CURLE_OPERATION_TIMEDOUT;
            r.failure = failure_of(code);
            // The three failures every attempt repeats get a message a user can act on.
            if (r.failure == Failure::kConnect) {
                long os_errno = 0;
                curl_easy_getinfo(t.easy.get(), CURLINFO_OS_ERRNO, &os_errno);
                r.transport_error =
                    "could not connect to " + host_port(t.url) + " (" +
                    (os_errno ? lower_first(std::strerror(static_cast<int>(os_errno)))
                              : std::string(curl_easy_strerror(code))) +
                    ")";
            } else if (r.failure == Failure::kResolve) {
                r.transport_error = "could not resolve host " + host_port(t.url, false);
            } else if (r.failure == Failure::kTls) {
                r.transport_error = "TLS failure with " + host_port(t.url) + ": " +
                                    curl_easy_strerror(code) +
                                    (t.error[0] ? std::string(" (") + t.error + ")" : "");
            }
            for (const auto& s : t.secrets) r.transport_error = redact(r.transport_error, s);
        }
        if (options_.verbose) {
            std::string line = "http: " + t.method + " " + t.url + " -> " +
                               (code == CURLE_OK ? std::to_string(status) : r.transport_error);
            char secs[32];
            std::snprintf(secs, sizeof secs, " (%.3f s)", r.seconds);
            line += secs;
            for (const auto& s : t.secrets) line = redact(line, s);
            std::fprintf(stderr, "%s\n", line.c_str());
        }
    }

    /// Owns a file descriptor (the epoll set).
    class Fd {
       public:
        explicit Fd(int fd) : fd_(fd) {}
        ~Fd() {
            if (fd_ >= 0) ::close(fd_);
        }
        Fd(const Fd&) = delete;
        Fd& operator=(const Fd&) = delete;
        int get() const { return fd_; }

       private:
        int fd_;
    };

    Options options_;
    ProxyEnvironment proxy_env_;  ///< read once, when the transport is made
    Fd epoll_;  ///< the sockets libcurl waits on; outlives multi_ (whose cleanup reports removals)
    MultiPtr multi_;
    std::optional<std::chrono::steady_clock::time_point> timer_due_;
    bool skipped_epoll_ = false;  ///< the last poll ran a due timeout without epoll_wait
    std::unordered_map<Transfer*, std::unique_ptr<Transfer>> active_;
    /// Finished transfers, each with its easy handle: reused, with their options, buffers and
    /// libcurl's per-handle state.
    std::vector<std::unique_ptr<Transfer>> idle_;
    std::vector<Watch> watches_;                                     ///< by socket number
    std::vector<std::pair<std::string, std::string>> last_headers_;  ///< what last_list_ says
    std::shared_ptr<curl_slist> last_list_;
    long max_connects_ = 0;
    /// Parsed URLs by text (parsed_url), nullptr for one that does not parse; freed after
    /// every easy handle (the destructor's body cleans those up).
    std::unordered_map<std::string, UrlPtr> urls_;
    static constexpr std::size_t kMaxUrls = 64;
};

}  // namespace

ProxyEnvironment read_proxy_environment() {
    // curl_getenv's rule: unset and "" alike are no value.
    auto value = [](std::initializer_list<const char*> names) {
        for (const char* name : names)
            if (const char* v = std::getenv(name); v && *v) return std::string(v);
        return std::string();
    };
    ProxyEnvironment env;
    env.no_proxy = value({"no_proxy", "NO_PROXY"});
    // No HTTP_PROXY: libcurl never reads it (a CGI program's environment gets it from a request
    // header, "Proxy:").
    env.http_proxy = value({"http_proxy", "all_proxy", "ALL_PROXY"});
    env.https_proxy = value({"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"});
    return env;
}

std::unique_ptr<Transport> make_curl_transport(const Options& options) {
    return std::make_unique<CurlTransport>(options);
}

}  // namespace synthmod::http
