#include "tokenlossview.h"

#ifdef SHARDSCOPE_HAVE_TORCH
#include <lm/lmapi.h>
#endif

#include <QEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QLinearGradient>
#include <QLocale>
#include <QPainter>
#include <QPlainTextEdit>
#include <QStringList>
#include <QSyntaxHighlighter>
#include <QTextBlock>
#include <QToolTip>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace shardscope {

namespace {

constexpr int kMaxTokensPerSegment = 8;   // a broken sequence never swallows the rest of the text

// Length of the UTF-8 sequence starting at s[i] when it is complete and valid; 0 when it is a valid
// start that is cut off by the end of `s`; -1 when s[i] is not the start of a valid sequence.
int sequenceAt(const std::string& s, size_t i)
{
    const auto b = static_cast<unsigned char>(s[i]);
    int need = 1;
    if (b >= 0x80) {
        if ((b >> 5) == 0x6 && b >= 0xC2)
            need = 2;
        else if ((b >> 4) == 0xE)
            need = 3;
        else if ((b >> 3) == 0x1E && b <= 0xF4)
            need = 4;
        else
            return -1;
    }
    for (int k = 1; k < need; ++k) {
        if (i + size_t(k) >= s.size())
            return 0;
        if ((static_cast<unsigned char>(s[i + size_t(k)]) & 0xC0) != 0x80)
            return -1;
    }
    return need;
}

// True when `s` ends on a character boundary (a trailing invalid byte counts as a whole character).
bool endsOnBoundary(const std::string& s)
{
    size_t i = 0;
    while (i < s.size()) {
        const int n = sequenceAt(s, i);
        if (n == 0)
            return false;
        i += n < 0 ? 1 : size_t(n);
    }
    return true;
}

// The text as shown: one UTF-16 unit per unit of the decoded text, so positions in the view and
// in the segments agree. Controls other than \n and \t become their U+2400 pictures (a raw \r
// or form feed would otherwise start a new block and shift every position after it).
QString displayable(const std::string& bytes)
{
    QString s = QString::fromUtf8(bytes.data(), qsizetype(bytes.size()));
    for (auto& c : s) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\n' && u != u'\t'))
            c = QChar(char16_t(0x2400 + u));
        else if (u == 0x7F)
            c = QChar(0x2421);
        else if (u == 0x2028 || u == 0x2029 || u == 0x85)
            c = QChar(0x21B5); // ↵: a separator would also start a new block
    }
    return s;
}

QString hexByte(unsigned char b)
{
    return QStringLiteral("\\x") + QString::number(b, 16).toUpper().rightJustified(2, QLatin1Char('0'));
}

} // namespace

double TokenLossView::Segment::bits() const
{
    return nats / std::log(2.0);
}

// Colours each segment's background; positions map 1:1 onto the result's text.
class TokenLossView::Highlighter : public QSyntaxHighlighter {
public:
    Highlighter(TokenLossView* view, QTextDocument* doc)
        : QSyntaxHighlighter(doc)
        , m_view(view)
    {
    }

protected:
    void highlightBlock(const QString& text) override
    {
        const auto& segs = m_view->m_result.segments;
        if (segs.empty())
            return;
        const int pos = currentBlock().position();
        const int end = pos + int(text.size());
        auto it = std::lower_bound(segs.begin(), segs.end(), pos,
                                   [](const Segment& s, int p) { return s.start + s.length <= p; });
        QTextCharFormat f;
        f.setForeground(Qt::black);
        for (; it != segs.end() && it->start < end; ++it) {
            if (std::isnan(it->nats))
                continue;
            f.setBackground(colorForBits(it->bits()));
            const int from = std::max(it->start, pos);
            const int to = std::min(it->start + it->length, end);
            if (to > from)
                setFormat(from - pos, to - from, f);
        }
    }

private:
    TokenLossView* m_view;
};

namespace {

class Legend : public QWidget {
public:
    using QWidget::QWidget;
    QSize sizeHint() const override { return { 260, fontMetrics().height() * 2 + 6 }; }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        const int h = fontMetrics().height();
        const QRect bar(8, 2, width() - 16, h);
        QLinearGradient g(bar.topLeft(), bar.topRight());
        for (int i = 0; i <= 8; ++i)
            g.setColorAt(i / 8.0, TokenLossView::colorForBits(TokenLossView::kMaxBits * i / 8.0));
        p.fillRect(bar, g);
        p.setPen(palette().color(QPalette::WindowText));
        p.drawRect(bar.adjusted(0, 0, -1, -1));
        for (int b = 0; b <= 8; b += 2) {
            const int x = bar.left() + int(double(bar.width() - 1) * b / TokenLossView::kMaxBits);
            const QString label = b == 8 ? QStringLiteral("≥8 bits") : QString::number(b);
            const int w = fontMetrics().horizontalAdvance(label);
            p.drawText(std::clamp(x - w / 2, 0, width() - w), bar.bottom() + h + 2, label);
        }
    }
};

} // namespace

TokenLossView::TokenLossView(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("tokenLossView"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout;
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("tokenLossStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_legend = new Legend(this);
    m_legend->setToolTip(tr("Loss of each character's token(s) under the language model, in bits"));
    m_legend->setMinimumWidth(200);
    top->addWidget(m_status, 1);
    top->addWidget(m_legend);
    layout->addLayout(top);
    m_edit = new QPlainTextEdit(this);
    m_edit->setObjectName(QStringLiteral("tokenLossText"));
    m_edit->setReadOnly(true);
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->viewport()->installEventFilter(this);
    m_highlighter = new Highlighter(this, m_edit->document());
    layout->addWidget(m_edit, 1);
    if (!available()) {
        m_status->setText(tr("This build has no language-model support (configure with -DSHARDSCOPE_WITH_TORCH=ON)."));
        m_legend->hide();
    } else {
        m_status->setText(tr("Select a document to see each token's loss."));
    }
}

TokenLossView::~TokenLossView() = default;

bool TokenLossView::available()
{
#ifdef SHARDSCOPE_HAVE_TORCH
    return true;
#else
    return false;
#endif
}

void TokenLossView::setText(const std::string& utf8)
{
    m_text = utf8;
    m_pending = true;
    ++m_request; // whatever is running now is stale
    if (isVisible())
        start();
}

void TokenLossView::clear()
{
    m_text.clear();
    m_pending = false;
    ++m_request;
    m_busy = false;
    m_result = {};
    m_edit->clear();
    if (available())
        m_status->setText(tr("Select a document to see each token's loss."));
}

void TokenLossView::refresh()
{
    if (!m_text.empty() || m_pending)
        setText(std::string(m_text));
}

void TokenLossView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_pending)
        start();
}

void TokenLossView::start()
{
    m_pending = false;
    if (!available())
        return;
    const quint64 request = ++m_request;
    m_busy = true;
    m_status->setText(tr("Computing token losses…"));
#ifdef SHARDSCOPE_HAVE_TORCH
    QtConcurrent::run([text = m_text]() {
        Result r;
        r.totalBytes = text.size();
        size_t cut = std::min(text.size(), kMaxBytes);
        while (cut < text.size() && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
            --cut; // never cut inside a UTF-8 sequence
        try {
            const auto losses = tokenLossesOfSelected(std::string_view(text).substr(0, cut));
            std::vector<std::pair<std::string, float>> tokens;
            tokens.reserve(losses.size());
            for (const auto& t : losses)
                tokens.emplace_back(t.bytes, t.nats);
            r = buildResult(tokens);
            r.totalBytes = text.size();
            r.scoredBytes = cut;
            r.model = QString::fromStdString(selectedLmDescription());
        } catch (const std::exception& e) {
            r.error = QString::fromStdString(e.what());
        }
        return r;
    }).then(this, [this, request](Result r) { apply(request, std::move(r)); });
#else
    Q_UNUSED(request);
#endif
}

void TokenLossView::apply(quint64 request, Result result)
{
    if (request != m_request)
        return; // another document (or model) was asked for meanwhile
    m_busy = false;
    m_result = std::move(result);
    if (!m_result.error.isEmpty()) {
        m_edit->clear();
        m_status->setText(tr("No token losses: %1").arg(m_result.error));
        Q_EMIT lossesShown(request);
        return;
    }
    m_edit->setPlainText(m_result.text); // the highlighter colours it from m_result
    m_status->setText(statusText());
    Q_EMIT lossesShown(request);
}

QString TokenLossView::statusText() const
{
    const QLocale l;
    QString s = tr("%1 · %2 tokens · mean %3 bits/token")
                    .arg(m_result.model, l.toString(qulonglong(m_result.tokens)),
                         m_result.tokens ? QString::number(m_result.sumNats / std::log(2.0) / double(m_result.tokens), 'f', 2)
                                         : QStringLiteral("–"));
    if (m_result.scoredBytes < m_result.totalBytes)
        s += tr(" · only the first %1 of %2 bytes are scored here")
                 .arg(l.toString(qulonglong(m_result.scoredBytes)), l.toString(qulonglong(m_result.totalBytes)));
    return s;
}

QString TokenLossView::displayedText() const
{
    return m_edit->toPlainText();
}

int TokenLossView::segmentAt(int position) const
{
    const auto& segs = m_result.segments;
    auto it = std::upper_bound(segs.begin(), segs.end(), position, [](int p, const Segment& s) { return p < s.start; });
    if (it == segs.begin())
        return -1;
    --it;
    return position < it->start + it->length ? int(it - segs.begin()) : -1;
}

QString TokenLossView::toolTipAt(int position) const
{
    const int i = segmentAt(position);
    if (i < 0)
        return {};
    const Segment& s = m_result.segments[size_t(i)];
    // Line breaks and tabs shown as symbols: QToolTip decides rich text by the first line only, so a raw
    // newline here made the whole tip plain text with a literal "<br>" (issue 20, bug 6). <qt> marks it rich.
    QString shown = m_result.text.mid(s.start, s.length);
    shown.replace(QLatin1Char('\n'), QChar(0x21B5))
        .replace(QLatin1Char('\r'), QChar(0x240D))
        .replace(QLatin1Char('\t'), QChar(0x2192));
    QString head = QStringLiteral("<qt>") + tr("“%1”").arg(shown.toHtmlEscaped());
    if (s.tokenCount > 1)
        head += tr(" — %1 tokens: %2").arg(s.tokenCount).arg(s.tokens.toHtmlEscaped());
    else
        head += tr(" — token %1").arg(s.tokens.toHtmlEscaped());
    if (std::isnan(s.nats))
        return head + tr("<br>not scored");
    return head + tr("<br>loss %1 nats = %2 bits").arg(s.nats, 0, 'f', 3).arg(s.bits(), 0, 'f', 2);
}

QColor TokenLossView::segmentColor(int index) const
{
    if (index < 0 || size_t(index) >= m_result.segments.size() || std::isnan(m_result.segments[size_t(index)].nats))
        return {};
    return colorForBits(m_result.segments[size_t(index)].bits());
}

QColor TokenLossView::colorForBits(double bits)
{
    const double t = std::clamp(bits / kMaxBits, 0.0, 1.0);
    // white -> yellow (255, 225, 60) -> red (225, 50, 40)
    auto mix = [](int a, int b, double f) { return int(std::lround(a + (b - a) * f)); };
    if (t < 0.5) {
        const double f = t / 0.5;
        return QColor(255, mix(255, 225, f), mix(255, 60, f));
    }
    const double f = (t - 0.5) / 0.5;
    return QColor(mix(255, 225, f), mix(225, 50, f), mix(60, 40, f));
}

QString TokenLossView::escapeToken(const std::string& bytes)
{
    QString out;
    size_t i = 0;
    while (i < bytes.size()) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        const int n = sequenceAt(bytes, i);
        if (n <= 0) {
            out += hexByte(b);
            ++i;
            continue;
        }
        if (n == 1) {
            switch (b) {
            case '\n': out += QStringLiteral("\\n"); break;
            case '\t': out += QStringLiteral("\\t"); break;
            case '\r': out += QStringLiteral("\\r"); break;
            case ' ': out += QChar(0xB7); break;
            default:
                if (b < 0x20 || b == 0x7F)
                    out += hexByte(b);
                else
                    out += QLatin1Char(char(b));
            }
        } else {
            out += QString::fromUtf8(bytes.data() + i, n);
        }
        i += size_t(n);
    }
    return out;
}

TokenLossView::Result TokenLossView::buildResult(const std::vector<std::pair<std::string, float>>& tokens)
{
    Result r;
    std::string pending;
    QStringList parts;
    double nats = 0;
    bool scored = false;
    int count = 0;
    auto flush = [&] {
        if (count == 0)
            return;
        Segment s;
        s.start = int(r.text.size());
        const QString shown = displayable(pending);
        s.length = int(shown.size());
        s.tokens = parts.join(QStringLiteral(" | "));
        s.tokenCount = count;
        s.nats = scored ? nats : std::nan("");
        r.text += shown;
        if (s.length > 0)
            r.segments.push_back(std::move(s));
        pending.clear();
        parts.clear();
        nats = 0;
        scored = false;
        count = 0;
    };
    for (const auto& [bytes, loss] : tokens) {
        pending += bytes;
        parts << escapeToken(bytes);
        ++count;
        if (!std::isnan(loss)) {
            nats += double(loss);
            scored = true;
            r.sumNats += double(loss);
            ++r.tokens;
        }
        if (endsOnBoundary(pending) || count >= kMaxTokensPerSegment)
            flush();
    }
    flush();
    return r;
}

bool TokenLossView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_edit->viewport() && event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        QTextCursor c = m_edit->cursorForPosition(help->pos());
        int pos = c.position();
        // cursorForPosition gives the nearest caret; the character under the mouse is the one
        // after a caret to its left and the one before a caret to its right.
        if (help->pos().x() < m_edit->cursorRect(c).x() && pos > 0)
            --pos;
        const QString tip = toolTipAt(pos);
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), tip, m_edit->viewport());
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace shardscope
