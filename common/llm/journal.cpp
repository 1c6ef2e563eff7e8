// journal: the crash-safe record of finished work (DESIGN section 8).
//
// Format: JSON lines. The first line is the header, then one line per event:
//   {"type":"header","journal":1,"tool":...,"spec_hash":...,"plan_hash":...,"plan_items":N}
//   {"type":"plan","plan_hash":...,"plan_items":N}   a later run extended the plan (from here
//                                                     on the journal is this plan's)
//   {"type":"item","id":...,"status":"ok|refused|failed","answer":"<answer JSON as text>",
//    "usage":{...},"cost":...,"cost_known":true,"attempts":...,"repairs":...,"error":...,
//    "reason":... (failed items only), "request_id":...}
//   {"type":"batch","batch_id":...,"items":[...]}
//   {"type":"batch_end","batch_id":...}
// The answer is kept as a string so that the text read back is byte-identical to the text the
// provider produced (the outputs are built from it).
#include "common/llm/journal.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/internal/dtoa.h>
#include <rapidjson/internal/ieee754.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>

#include "common/errors.h"
#include "common/llm/json_util.h"

namespace synthmod::journal {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// "path: what: strerror(errno)", the file-first form of every synthmod error.
std::string sys_error(const std::string& what, const std::string& path) {
    return path + ": " + what + ": " + std::strerror(errno);
}

std::string header_line(const Header& header) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    w.Key("type");
    w.String("header");
    w.Key("journal");
    w.Int(1);
    w.Key("tool");
    w.String(header.tool);
    w.Key("spec_hash");
    w.String(header.spec_hash);
    w.Key("plan_hash");
    w.String(header.plan_hash);
    w.Key("plan_items");
    w.Uint64(header.plan_items);
    w.EndObject();
    return buf.GetString();
}

std::string plan_line(const Header& header) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    w.Key("type");
    w.String("plan");
    w.Key("plan_hash");
    w.String(header.plan_hash);
    w.Key("plan_items");
    w.Uint64(header.plan_items);
    w.EndObject();
    return buf.GetString();
}

/// Appends `v` as rapidjson's Writer::Int64 and Writer::Int write it (decimal, '-' when below 0).
void append_int(std::string& line, std::int64_t v) {
    char buf[24];
    line.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

/// Appends `v` as rapidjson's Writer::Double writes it (its Grisu2 shortest form, at most 324
/// decimals); a NaN or an infinity, which that Writer refuses, as nothing.
void append_double(std::string& line, double v) {
    if (rapidjson::internal::Double(v).IsNanOrInf()) return;
    char buf[25];
    line.append(buf, rapidjson::internal::dtoa(v, buf, Writer::kDefaultMaxDecimalPlaces));
}

std::string record_line(const Record& r) {
    // The bytes rapidjson's Writer writes for this object (the journal's tests compare), put in
    // place: the member names, plain ASCII, with their separators as literals; the strings (the
    // answer above all, full of quotes) through json::append_string, copied in runs.
    std::string line;
    line.reserve(320 + r.id.size() + r.answer_json.size() + r.answer_json.size() / 8 +
                 r.error.size() + r.reason.size() + r.request_id.size());
    using llm::json::append_string;
    line += "{\"type\":\"item\",\"id\":";
    append_string(line, r.id);
    line += ",\"status\":";
    append_string(line, r.status);
    line += ",\"answer\":";
    append_string(line, r.answer_json);
    line += ",\"usage\":{\"input_tokens\":";
    append_int(line, r.usage.input_tokens);
    line += ",\"output_tokens\":";
    append_int(line, r.usage.output_tokens);
    line += ",\"cache_creation_input_tokens\":";
    append_int(line, r.usage.cache_creation_input_tokens);
    line += ",\"cache_read_input_tokens\":";
    append_int(line, r.usage.cache_read_input_tokens);
    line += "},\"cost\":";
    append_double(line, r.cost);
    line += r.cost_known ? ",\"cost_known\":true" : ",\"cost_known\":false";
    line += ",\"attempts\":";
    append_int(line, r.attempts);
    line += ",\"repairs\":";
    append_int(line, r.repairs);
    line += ",\"error\":";
    append_string(line, r.error);
    if (!r.reason.empty()) {
        line += ",\"reason\":";
        append_string(line, r.reason);
    }
    line += ",\"request_id\":";
    append_string(line, r.request_id);
    line += '}';
    return line;
}

std::string batch_line(const BatchRef& b) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    w.Key("type");
    w.String("batch");
    w.Key("batch_id");
    w.String(b.batch_id);
    w.Key("items");
    w.StartArray();
    for (const auto& id : b.item_ids) w.String(id);
    w.EndArray();
    w.EndObject();
    return buf.GetString();
}

std::string batch_end_line(const std::string& batch_id) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    w.Key("type");
    w.String("batch_end");
    w.Key("batch_id");
    w.String(batch_id);
    w.EndObject();
    return buf.GetString();
}

std::string get_string(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    if (it == v.MemberEnd() || !it->value.IsString()) return "";
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::int64_t get_int(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    if (it == v.MemberEnd() || !it->value.IsNumber()) return 0;
    return it->value.IsInt64() ? it->value.GetInt64()
                               : static_cast<std::int64_t>(it->value.GetDouble());
}

Record parse_record(const rapidjson::Value& v) {
    Record r;
    r.id = get_string(v, "id");
    r.status = get_string(v, "status");
    r.answer_json = get_string(v, "answer");
    auto usage = v.FindMember("usage");
    if (usage != v.MemberEnd() && usage->value.IsObject()) {
        r.usage.input_tokens = get_int(usage->value, "input_tokens");
        r.usage.output_tokens = get_int(usage->value, "output_tokens");
        r.usage.cache_creation_input_tokens = get_int(usage->value, "cache_creation_input_tokens");
        r.usage.cache_read_input_tokens = get_int(usage->value, "cache_read_input_tokens");
    }
    auto cost = v.FindMember("cost");
    if (cost != v.MemberEnd() && cost->value.IsNumber()) r.cost = cost->value.GetDouble();
    auto known = v.FindMember("cost_known");
    r.cost_known = !(known != v.MemberEnd() && known->value.IsBool() && !known->value.GetBool());
    r.attempts = static_cast<int>(get_int(v, "attempts"));
    r.repairs = static_cast<int>(get_int(v, "repairs"));
    r.error = get_string(v, "error");
    r.reason = get_string(v, "reason");
    r.request_id = get_string(v, "request_id");
    return r;
}

/// Whether `line` is a JSON object with a string "type": the shape of every journal line.
bool parse_line(const char* line, std::size_t size, rapidjson::Document* doc) {
    doc->Parse(line, size);
    if (doc->HasParseError() || !doc->IsObject()) return false;
    auto type = doc->FindMember("type");
    return type != doc->MemberEnd() && type->value.IsString();
}

void add_usage(llm::Usage& sum, const llm::Usage& u) {
    sum.input_tokens += u.input_tokens;
    sum.output_tokens += u.output_tokens;
    sum.cache_creation_input_tokens += u.cache_creation_input_tokens;
    sum.cache_read_input_tokens += u.cache_read_input_tokens;
}

}  // namespace

std::vector<Record> read_records(const std::string& path, const std::string& tool,
                                 const std::string& spec_hash) {
    std::vector<Record> out;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return out;
    std::string line;
    rapidjson::Document doc;
    bool first = true, matches = false, going = true;
    char buf[1 << 16];
    while (going) {
        std::size_t n = std::fread(buf, 1, sizeof buf, f);
        if (n == 0) break;
        for (std::size_t i = 0; i < n && going; ++i) {
            if (buf[i] != '\n') {
                line.push_back(buf[i]);
                continue;
            }
            if (!parse_line(line.data(), line.size(), &doc)) {
                going = false;  // torn or corrupt: what came before stands
            } else if (first) {
                first = false;
                matches = get_string(doc, "type") == "header" && get_string(doc, "tool") == tool &&
                          get_string(doc, "spec_hash") == spec_hash;
                going = matches;
            } else if (get_string(doc, "type") == "item") {
                out.push_back(parse_record(doc));
            }
            line.clear();
        }
    }
    std::fclose(f);
    if (!matches) out.clear();
    return out;
}

namespace {

/// "%016llx%016llx" of the high and low halves, without snprintf's format parsing (the plan
/// hashes an id and a prompt per item).
std::string hex(XXH128_hash_t h) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(32, '0');
    for (int i = 0; i < 16; ++i) {
        out[15 - i] = kDigits[(h.high64 >> (4 * i)) & 0xF];
        out[31 - i] = kDigits[(h.low64 >> (4 * i)) & 0xF];
    }
    return out;
}

}  // namespace

std::string hash_hex(const std::string& bytes) {
    return hex(XXH3_128bits(bytes.data(), bytes.size()));
}

std::string hash_hex(std::initializer_list<std::string_view> parts) {
    StreamHash hash;
    for (std::string_view part : parts) hash.update(part);
    return hash.hex();
}

StreamHash::StreamHash() : state_(XXH3_createState()) {
    if (!state_ || XXH3_128bits_reset(state_) != XXH_OK) {
        XXH3_freeState(state_);
        throw std::bad_alloc();
    }
}

StreamHash::StreamHash(const StreamHash& other) : state_(XXH3_createState()) {
    if (!state_) throw std::bad_alloc();
    XXH3_copyState(state_, other.state_);
}

StreamHash& StreamHash::operator=(const StreamHash& other) {
    XXH3_copyState(state_, other.state_);
    return *this;
}

StreamHash::~StreamHash() { XXH3_freeState(state_); }

StreamHash& StreamHash::update(std::string_view part) {
    XXH3_128bits_update(state_, part.data(), part.size());
    return *this;
}

std::string StreamHash::hex() const { return journal::hex(XXH3_128bits_digest(state_)); }

Journal::Journal(const std::string& path, const Header& header, bool force) : path_(path) {
    last_sync_ms_ = now_ms();
    if (path_.empty()) return;  // memory only

    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError(sys_error("cannot open journal", path_));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd_);
        fd_ = -1;
        throw UsageError(path_ + " is in use by another running synthmod process");
    }

    std::string content;
    if (!force) {
        char buf[1 << 16];
        for (;;) {
            ssize_t n = ::pread(fd_, buf, sizeof buf, static_cast<off_t>(content.size()));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                ::close(fd_);
                fd_ = -1;
                throw IoError(sys_error("cannot read journal", path_));
            }
            if (n == 0) break;
            content.append(buf, static_cast<std::size_t>(n));
        }
    }

    // Split into complete lines; whatever follows the last newline is a torn write.
    std::vector<std::pair<std::size_t, std::size_t>> lines;  // offset, length (without \n)
    std::size_t pos = 0;
    while (pos < content.size()) {
        std::size_t nl = content.find('\n', pos);
        if (nl == std::string::npos) break;
        lines.emplace_back(pos, nl - pos);
        pos = nl + 1;
    }
    std::size_t keep = pos;  // bytes of complete lines
    if (keep < content.size()) dropped_torn_ = true;
    // A last complete line that does not parse is torn too (a crash between write and sync can
    // leave a line of zeros on some file systems).
    rapidjson::Document doc;
    if (!lines.empty() &&
        !parse_line(content.data() + lines.back().first, lines.back().second, &doc)) {
        keep = lines.back().first;
        lines.pop_back();
        dropped_torn_ = true;
    }

    bool fresh = force || lines.empty();
    bool extend = false;
    std::string journal_plan;  // the journal's plan hash, when it is this tool's and spec's
    if (!fresh) {
        const auto& [off, len] = lines.front();
        bool same = parse_line(content.data() + off, len, &doc) &&
                    get_string(doc, "type") == "header" && get_string(doc, "tool") == header.tool &&
                    get_string(doc, "spec_hash") == header.spec_hash;
        if (same) {
            // The journal's plan: the header's, or the last "plan" line's (an extended one).
            std::string plan_hash = get_string(doc, "plan_hash");
            auto items = static_cast<std::size_t>(get_int(doc, "plan_items"));
            rapidjson::Document line;
            for (std::size_t i = 1; i < lines.size(); ++i) {
                static const std::string kPlan = "{\"type\":\"plan\"";
                if (content.compare(lines[i].first, kPlan.size(), kPlan) != 0) continue;
                if (!parse_line(content.data() + lines[i].first, lines[i].second, &line)) continue;
                plan_hash = get_string(line, "plan_hash");
                items = static_cast<std::size_t>(get_int(line, "plan_items"));
            }
            journal_plan = plan_hash;
            if (plan_hash != header.plan_hash) {
                // A plan that begins with the journalled one extends it (a larger --rows).
                extend = header.plan_prefix_hash && items > 0 && items < header.plan_items &&
                         header.plan_prefix_hash(items) == plan_hash;
                same = extend;
                if (extend) extended_from_ = items;
            }
        }
        if (!same) {
            ::close(fd_);
            fd_ = -1;
            for (const auto& [plan, advice] : header.other_plans)
                if (plan == journal_plan)
                    throw UsageError(path_ + " was written by " + advice +
                                     ", or run with --force to start over");
            throw UsageError(path_ +
                             " was written for a different spec or plan (or another tool); run "
                             "with --force to start over, or use another --out");
        }
        for (std::size_t i = 1; i < lines.size(); ++i) {
            if (!parse_line(content.data() + lines[i].first, lines[i].second, &doc)) {
                ::close(fd_);
                fd_ = -1;
                throw InputError(path_, i + 1,
                                 "corrupt journal line; run with --force to start over");
            }
            std::string type = get_string(doc, "type");
            if (type == "item") {
                Record r = parse_record(doc);
                spent_ += r.cost;
                add_usage(used_, r.usage);
                records_[r.id] = std::move(r);
            } else if (type == "batch") {
                BatchRef b;
                b.batch_id = get_string(doc, "batch_id");
                auto items = doc.FindMember("items");
                if (items != doc.MemberEnd() && items->value.IsArray()) {
                    for (const auto& id : items->value.GetArray())
                        if (id.IsString()) b.item_ids.emplace_back(id.GetString());
                }
                batches_[b.batch_id] = std::move(b);
            } else if (type == "batch_end") {
                auto it = batches_.find(get_string(doc, "batch_id"));
                if (it != batches_.end()) it->second.finished = true;
            }
            // Unknown types (a later version's) are skipped.
        }
    }

    if (fresh) keep = 0;
    if (keep != content.size() || force) {
        if (::ftruncate(fd_, static_cast<off_t>(keep)) != 0) {
            ::close(fd_);
            fd_ = -1;
            throw IoError(sys_error("cannot truncate journal", path_));
        }
    }
    if (fresh) {
        write_line(header_line(header));
        sync();
    } else if (extend) {
        write_line(plan_line(header));
        sync();
    } else if (keep != content.size()) {
        dirty_ = true;
        sync();
    }
}

Journal::~Journal() {
    if (fd_ < 0) return;
    if (!held_.empty()) {
        // Unwinding from an error between hold() and release(): the held records still belong
        // on disk; a failure here has nowhere to go (the error being unwound is reported).
        (void)::write(fd_, held_.data(), held_.size());
        dirty_ = true;
    }
    if (dirty_) ::fdatasync(fd_);
    ::close(fd_);  // also releases the flock
}

std::vector<BatchRef> Journal::open_batches() const {
    std::vector<BatchRef> out;
    for (const auto& [id, b] : batches_)
        if (!b.finished) out.push_back(b);
    return out;
}

void Journal::append(Record record) {
    write_line(record_line(record));
    spent_ += record.cost;
    add_usage(used_, record.usage);
    std::string id = record.id;
    records_[std::move(id)] = std::move(record);
}

void Journal::release() {
    holding_ = false;
    write_held();
}

void Journal::write_held() {
    if (held_.empty()) return;
    std::string data;
    data.swap(held_);
    write_out(data);
}

void Journal::append_batch(const BatchRef& batch) {
    write_line(batch_line(batch));
    BatchRef b = batch;
    b.finished = false;
    batches_[b.batch_id] = std::move(b);
    // A batch id is money already committed: make it durable at once.
    sync();
}

void Journal::finish_batch(const std::string& batch_id) {
    write_line(batch_end_line(batch_id));
    auto it = batches_.find(batch_id);
    if (it != batches_.end()) it->second.finished = true;
}

void Journal::sync() {
    write_held();  // a sync makes every appended line durable, held ones included
    if (fd_ >= 0 && dirty_) {
        if (::fdatasync(fd_) != 0) throw IoError(sys_error("cannot sync journal", path_));
    }
    dirty_ = false;
    last_sync_ms_ = now_ms();
}

void Journal::write_line(std::string line) {
    if (fd_ < 0) return;
    if (holding_) {
        held_ += line;
        held_.push_back('\n');
        return;
    }
    line.push_back('\n');  // the caller's temporary, moved in: no copy to add the newline
    write_out(line);
}

void Journal::write_out(const std::string& data) {
    // One write(2) on an O_APPEND descriptor: the lines land whole or (after a crash) the last
    // torn at the end, never interleaved. After a short write the rest is written once more,
    // which either completes them (an interrupted write) or fails with the real cause (ENOSPC,
    // EFBIG).
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = n < 0 ? errno : ENOSPC;
            // Take the partial lines back so the next run does not find them mid-file.
            if (done > 0) {
                off_t end = ::lseek(fd_, 0, SEEK_END);
                if (end >= static_cast<off_t>(done)) (void)::ftruncate(fd_, end - done);
            }
            errno = err;
            throw IoError(sys_error("cannot write journal", path_));
        }
        done += static_cast<std::size_t>(n);
    }
    dirty_ = true;
    if (now_ms() - last_sync_ms_ >= 1000) sync();
}

}  // namespace synthmod::journal
