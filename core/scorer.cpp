#include "scorer.h"

#include <mutex>
#include <stdexcept>

namespace shardscope {

namespace {
thread_local DocumentScope* t_scope = nullptr;
thread_local uint64_t t_lastSerial = 0;
} // namespace

DocumentScope::DocumentScope(std::string_view text)
    : m_text(text)
    , m_serial(++t_lastSerial)
    , m_outer(t_scope)
{
    t_scope = this;
}

DocumentScope::~DocumentScope()
{
    t_scope = m_outer;
}

uint64_t DocumentScope::serialOf(std::string_view text)
{
    const DocumentScope* s = t_scope;
    return s && s->m_text.data() == text.data() && s->m_text.size() == text.size() ? s->m_serial : 0;
}

ScorerRegistry& ScorerRegistry::instance()
{
    static ScorerRegistry r;
    return r;
}

void ScorerRegistry::add(Factory f)
{
    m_factories.push_back(f);
}

std::vector<std::unique_ptr<Scorer>> ScorerRegistry::createAll() const
{
    std::vector<std::unique_ptr<Scorer>> all;
    for (auto f : m_factories)
        all.push_back(f());
    return all;
}

std::unique_ptr<Scorer> ScorerRegistry::create(std::string_view key) const
{
    for (auto f : m_factories) {
        auto s = f();
        if (s->name() == key)
            return s;
    }
    for (auto f : m_factories) {
        auto s = f();
        for (const auto& c : s->columns())
            if (c.name == key)
                return s;
    }
    return nullptr;
}

std::vector<std::unique_ptr<Scorer>> ScorerRegistry::resolveList(std::string_view list) const
{
    std::vector<std::unique_ptr<Scorer>> out;
    auto addUnique = [&](std::unique_ptr<Scorer> s) {
        for (const auto& o : out)
            if (o->name() == s->name())
                return;
        out.push_back(std::move(s));
    };
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t comma = list.find(',', pos);
        std::string_view item = list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ')
            item.remove_suffix(1);
        if (item == "all") {
            for (auto& s : createAll())
                if (s->includedInAll())
                    addUnique(std::move(s));
        } else if (!item.empty()) {
            auto s = create(item);
            if (!s)
                throw std::invalid_argument("unknown scorer '" + std::string(item)
                                            + "' (run `shardscope-cli scorers` for the list)");
            if (std::string why = s->unavailableReason(); !why.empty())
                throw ScorerUnavailable(why);
            addUnique(std::move(s));
        }
        if (comma == std::string_view::npos)
            break;
        pos = comma + 1;
    }
    return out;
}

void registerCompressionScorers(ScorerRegistry& r);
void registerHeuristicScorers(ScorerRegistry& r);
#ifdef SHARDSCOPE_HAVE_TORCH
void registerLmScorers(ScorerRegistry& r); // core/lm (libtorch), built with SHARDSCOPE_WITH_TORCH
#endif
#ifdef SHARDSCOPE_HAVE_FASTTEXT
void registerLangIdScorers(ScorerRegistry& r); // core/scorers/langid.cpp (libfasttext)
#endif

void registerBuiltinScorers()
{
    static std::once_flag once;
    std::call_once(once, [] {
        auto& r = ScorerRegistry::instance();
        registerCompressionScorers(r);
#ifdef SHARDSCOPE_HAVE_HEURISTICS
        registerHeuristicScorers(r);
#endif
#ifdef SHARDSCOPE_HAVE_FASTTEXT
        registerLangIdScorers(r);
#endif
#ifdef SHARDSCOPE_HAVE_TORCH
        registerLmScorers(r);
#endif
    });
}

} // namespace shardscope
