#include "tests/support/fake_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace synthmod::test {

FakeServer::FakeServer(const std::vector<std::string>& args) {
    dir_ = temp_dir("fake-server");
    std::string port_file = dir_ + "/port";
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     std::string(SYNTHMOD_SOURCE_DIR) + "/tests/fake_server.py",
                                     "--port-file",
                                     port_file,
                                     "--log",
                                     log_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<Background>(argv, RunOptions{}, "", dir_ + "/server.err");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
        if (exists(port_file)) {
            port_ = std::stoi(slurp(port_file));
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    process_.reset();
    throw std::runtime_error("fake server did not start: " + slurp(dir_ + "/server.err"));
}

FakeServer::~FakeServer() = default;

std::string FakeServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeServer::stop() {
    if (process_) {
        process_->kill(SIGKILL);
        process_->wait();
        process_.reset();
    }
}

std::vector<std::string> FakeServer::log_lines() const {
    std::vector<std::string> lines;
    std::istringstream in(slurp(log_path()));
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) lines.push_back(line);
    return lines;
}

std::vector<FakeLogEntry> FakeServer::log() const {
    std::vector<FakeLogEntry> out;
    for (const auto& line : log_lines()) {
        rapidjson::Document d;
        d.Parse(line.c_str(), line.size());
        if (d.HasParseError() || !d.IsObject()) continue;  // a line being written right now
        FakeLogEntry e;
        auto str = [&](const char* k) {
            auto it = d.FindMember(k);
            return it != d.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString())
                                                               : std::string();
        };
        auto flag = [&](const char* k) {
            auto it = d.FindMember(k);
            return it != d.MemberEnd() && it->value.IsBool() && it->value.GetBool();
        };
        e.method = str("method");
        e.path = str("path");
        e.fault = str("fault");
        e.user_sha256 = str("user_sha256");
        if (auto it = d.FindMember("status"); it != d.MemberEnd() && it->value.IsInt())
            e.status = it->value.GetInt();
        if (auto it = d.FindMember("attempt"); it != d.MemberEnd() && it->value.IsInt())
            e.attempt = it->value.GetInt();
        if (auto it = d.FindMember("t_arrival"); it != d.MemberEnd() && it->value.IsNumber())
            e.t_arrival = it->value.GetDouble();
        e.key_present = flag("key_present");
        e.bearer_present = flag("bearer_present");
        if (auto it = d.FindMember("custom_ids"); it != d.MemberEnd() && it->value.IsArray())
            for (const auto& v : it->value.GetArray())
                if (v.IsString()) e.custom_ids.emplace_back(v.GetString());
        if (auto it = d.FindMember("answer_fields"); it != d.MemberEnd() && it->value.IsArray())
            for (const auto& v : it->value.GetArray())
                if (v.IsString()) e.answer_fields.emplace_back(v.GetString());
        if (auto it = d.FindMember("usage"); it != d.MemberEnd() && it->value.IsObject()) {
            auto count = [&u = it->value](const char* k) -> std::int64_t {
                auto m = u.FindMember(k);
                return m != u.MemberEnd() && m->value.IsInt64() ? m->value.GetInt64() : 0;
            };
            e.usage = llm::Usage{};
            e.usage->input_tokens = count("input_tokens");
            e.usage->output_tokens = count("output_tokens");
            e.usage->cache_creation_input_tokens = count("cache_creation_input_tokens");
            e.usage->cache_read_input_tokens = count("cache_read_input_tokens");
        }
        out.push_back(std::move(e));
    }
    return out;
}

std::size_t FakeServer::count(const std::string& path, long status) const {
    std::size_t n = 0;
    for (const auto& e : log())
        if (e.path == path && (status < 0 || e.status == status)) ++n;
    return n;
}

void FakeServer::control(const std::string& json) const {
    std::string response = raw_http(port_, "POST", "/_control", json);
    if (response.compare(0, 12, "HTTP/1.1 200") != 0)
        throw std::runtime_error("fake server /_control refused: " + response);
}

std::string raw_http(int port, const std::string& method, const std::string& path,
                     const std::string& body) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("connect to fake server failed");
    }
    std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          "Content-Type: application/json\r\nConnection: close\r\n" +
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::size_t sent = 0;
    while (sent < request.size()) {
        ssize_t w = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (w <= 0) break;
        sent += static_cast<std::size_t>(w);
    }
    std::string response;
    char buf[8192];
    ssize_t r;
    while ((r = ::recv(fd, buf, sizeof buf, 0)) > 0)
        response.append(buf, static_cast<std::size_t>(r));
    ::close(fd);
    return response;
}

}  // namespace synthmod::test
