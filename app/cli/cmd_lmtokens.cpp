// `lm-tokens`: each token of a text with its loss under a model (built with libtorch only).

#ifdef SHARDSCOPE_HAVE_TORCH

#include "command.h"
#include "lmplugin.h"
#include "options.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <iterator>

namespace shardscope::cli {

namespace {

// One token per line even when a token holds a newline or a tab: C-style escapes.
std::string escapedToken(const std::string& b)
{
    std::string out;
    for (unsigned char ch : b) {
        if (ch == '\\')
            out += "\\\\";
        else if (ch == '\n')
            out += "\\n";
        else if (ch == '\t')
            out += "\\t";
        else if (ch < 0x20 || ch == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", ch);
            out += buf;
        } else
            out += char(ch);
    }
    return out;
}

class LmTokensCommand : public Command {
public:
    std::string name() const override { return "lm-tokens"; }
    std::string description() const override
    {
        return "Print each token of a text with its loss (nats), tab-separated";
    }

    void setup(CLI::App& cmd) override
    {
        cmd.add_option("text", m_text, "The text (use - to read standard input)")->required();
        m_model.addModelAndDevice(&cmd);
        cmd.add_flag("--ids", m_ids, "Print the token id first (id, loss, token)");
    }

    int run() override
    {
        if (m_text == "-")
            m_text.assign(std::istreambuf_iterator<char>(std::cin), {});
        const auto model = m_model.load();
        for (const auto& tl : model->tokenLosses(m_text)) {
            if (m_ids)
                std::printf("%d\t%.6f\t%s\n", tl.id, double(tl.nats), escapedToken(tl.bytes).c_str());
            else
                std::printf("%.4f\t%s\n", double(tl.nats), CLI::detail::to_string(tl.bytes).c_str());
        }
        return 0;
    }

private:
    ModelOptions m_model;
    std::string m_text;
    bool m_ids = false;
};

} // namespace

std::unique_ptr<Command> makeLmTokensCommand()
{
    return std::make_unique<LmTokensCommand>();
}

} // namespace shardscope::cli

#endif
