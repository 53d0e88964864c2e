#pragma once
// A document's text with every token coloured by its language-model loss (issue 4, item 6).
//
// The losses come from the model selected in core/lm/lmapi.h (setLmOptions) and are computed on a
// worker thread; each request has an id and the results of a superseded one are dropped. Only the
// first kMaxBytes of a long document are scored (the view says so). Tokens are merged until their
// bytes form whole UTF-8 characters (the built-in model's tokens are single bytes, and byte-level
// BPE splits some characters too), and a merged segment's loss is the sum of its tokens' losses,
// so a multi-byte character is never shown broken. Colour: white (0 bits) -> yellow (4) -> red
// (8 bits or more) of the segment's loss. Built without libtorch, the view says so and computes
// nothing.

#include <QColor>
#include <QString>
#include <QWidget>

#include <memory>
#include <string>
#include <vector>

class QLabel;
class QPlainTextEdit;

namespace shardscope {

class TokenLossView : public QWidget {
    Q_OBJECT
public:
    static constexpr size_t kMaxBytes = 64 * 1024;
    static constexpr double kMaxBits = 8.0;

    // One coloured run of text: whole UTF-8 characters made of one or more tokens.
    struct Segment {
        int start = 0;          // position in the displayed text (UTF-16 units)
        int length = 0;
        QString tokens;         // the tokens, escaped ("\n", "·" for a space), joined by " | "
        int tokenCount = 0;
        double nats = 0;        // sum over the tokens (NaN when the model scored none of them)
        double bits() const;
    };
    struct Result {
        QString text;           // the displayed (possibly cut) text
        std::vector<Segment> segments;
        QString error;
        QString model;          // selectedLmDescription()
        size_t scoredBytes = 0;
        size_t totalBytes = 0;
        size_t tokens = 0;
        double sumNats = 0;
    };

    explicit TokenLossView(QWidget* parent = nullptr);
    ~TokenLossView() override;

    // True when this build can compute losses (SHARDSCOPE_HAVE_TORCH).
    static bool available();

    // The document's UTF-8 text. Computed now when the view is visible, else when it is shown.
    void setText(const std::string& utf8);
    void clear();
    // Recomputes the current text (the selected model changed).
    void refresh();

    // What the view shows, for tests and the tooltip.
    const Result& result() const { return m_result; }
    bool busy() const { return m_busy; }
    quint64 currentRequest() const { return m_request; }
    QString displayedText() const;
    QString statusText() const;
    // Index of the segment covering a text position, or -1.
    int segmentAt(int position) const;
    QString toolTipAt(int position) const;
    QColor segmentColor(int index) const;

    static QColor colorForBits(double bits);
    // Escapes a token for the tooltip: "\n", "\t", "\r", "·" for a space, "\xNN" for other controls
    // and for bytes that are not valid UTF-8 on their own.
    static QString escapeToken(const std::string& bytes);
    // Merges per-token losses into whole-character segments (pure: the worker calls it; tests too).
    static Result buildResult(const std::vector<std::pair<std::string, float>>& tokens);

Q_SIGNALS:
    // A result for `request` (the current one) is on display; stale results never emit this.
    void lossesShown(quint64 request);

protected:
    void showEvent(QShowEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void start();
    void apply(quint64 request, Result result);

    std::string m_text;
    bool m_pending = false;
    bool m_busy = false;
    quint64 m_request = 0;
    Result m_result;

    QLabel* m_status = nullptr;
    QWidget* m_legend = nullptr;
    QPlainTextEdit* m_edit = nullptr;
    class Highlighter;
    Highlighter* m_highlighter = nullptr;
};

} // namespace shardscope
