#include "documentviewer.h"

#include "filterevaluator.h"
#include "tokenlossview.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QEvent>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QSyntaxHighlighter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextDocumentFragment>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <memory>

namespace shardscope {

namespace {

bool isMarker(char32_t c)
{
    return c == 0xB7 || c == 0x2192 || c == 0xB6 || c == 0x240D || (c >= 0x2400 && c <= 0x2421) || c == 0x237D;
}

// Greys out the whitespace markers so the text itself stays readable.
class MarkerHighlighter : public QSyntaxHighlighter {
public:
    using QSyntaxHighlighter::QSyntaxHighlighter;
    bool enabled = false;

protected:
    void highlightBlock(const QString& text) override
    {
        if (!enabled)
            return;
        QTextCharFormat marker;
        marker.setForeground(QColor(0x9e, 0x9e, 0x9e));
        QTextCharFormat special;
        special.setForeground(QColor(0xd8, 0x1b, 0x60));
        special.setFontWeight(QFont::Bold);
        for (qsizetype i = 0; i < text.size(); ++i) {
            const QChar c = text.at(i);
            if (c == QChar(0x27E8)) {
                const qsizetype end = text.indexOf(QChar(0x27E9), i);
                if (end > i) {
                    setFormat(int(i), int(end - i + 1), special);
                    i = end;
                    continue;
                }
            }
            if (isMarker(c.unicode()))
                setFormat(int(i), 1,
                    c.unicode() >= 0x2400 && c.unicode() <= 0x2421 && c.unicode() != 0x240D ? special : marker);
        }
    }
};

// Highlights beyond this many are counted but not painted: a 2 MB text of one repeated word
// would otherwise make every repaint walk a hundred thousand selections.
constexpr int kMaxPaintedMatches = 20000;

// Start positions of `needle` in `text`, without overlaps.
std::vector<int> matchesOf(const QString& text, const QString& needle, Qt::CaseSensitivity cs)
{
    std::vector<int> out;
    if (needle.isEmpty())
        return out;
    for (qsizetype i = text.indexOf(needle, 0, cs); i >= 0; i = text.indexOf(needle, i + needle.size(), cs))
        out.push_back(int(i));
    return out;
}

QString percentText(double p)
{
    return QString::number(p, 'f', p < 1 || p > 99 ? 2 : 1) + QLatin1Char('%');
}

} // namespace

QString DocumentViewer::markWhitespace(const QString& text)
{
    QString out;
    out.reserve(text.size() + text.size() / 4);
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text.at(i).unicode();
        switch (c) {
        case u' ':
            out += QChar(0xB7);
            break;
        case u'\t':
            out += QChar(0x2192);
            out += QLatin1Char('\t');
            break;
        case u'\n':
            out += QChar(0xB6);
            out += QLatin1Char('\n');
            break;
        case u'\r':
            out += QChar(0x240D);
            break;
        case 0xA0:
            out += QChar(0x237D); // ⍽ no-break space
            break;
        case 0x2028:
        case 0x2029:
        case 0x85:
        case 0x200B:
        case 0x200C:
        case 0x200D:
        case 0x200E:
        case 0x200F:
        case 0x2060:
        case 0xFEFF:
        case 0xAD:
            out += QChar(0x27E8) + QStringLiteral("U+%1").arg(uint(c), 4, 16, QLatin1Char('0')).toUpper()
                + QChar(0x27E9);
            // Line and paragraph separators still break the displayed line.
            if (c == 0x2028 || c == 0x2029 || c == 0x85)
                out += QLatin1Char('\n');
            break;
        default:
            if (c < 0x20)
                out += QChar(char16_t(0x2400 + c));
            else if (c == 0x7F)
                out += QChar(0x2421);
            else
                out += QChar(c);
        }
    }
    return out;
}

DocumentViewer::DocumentViewer(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("documentViewer"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);

    m_verdict = new QLabel(this);
    m_verdict->setWordWrap(true);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_verdict);

    // Shown instead of a document whose shard changed or went away since the scan: the index's
    // offsets no longer point at the scanned records, so only a rescan can show them again.
    m_changedBar = new QFrame(this);
    m_changedBar->setObjectName(QStringLiteral("shardChangedBar"));
    m_changedBar->setStyleSheet(QStringLiteral("#shardChangedBar { background: #fff3e0; border: 1px solid #ef6c00; }"));
    auto* changedLayout = new QHBoxLayout(m_changedBar);
    changedLayout->setContentsMargins(6, 4, 6, 4);
    m_changedLabel = new QLabel(m_changedBar);
    m_changedLabel->setObjectName(QStringLiteral("shardChangedMessage"));
    m_changedLabel->setWordWrap(true);
    m_changedLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* rescan = new QPushButton(tr("Rescan"), m_changedBar);
    rescan->setObjectName(QStringLiteral("rescanButton"));
    rescan->setToolTip(tr("Scan the corpus again, as File ▸ Rescan"));
    connect(rescan, &QPushButton::clicked, this, &DocumentViewer::rescanRequested);
    changedLayout->addWidget(m_changedLabel, 1);
    changedLayout->addWidget(rescan, 0, Qt::AlignVCenter);
    m_changedBar->hide();
    layout->addWidget(m_changedBar);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    auto* left = new QWidget(splitter);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    m_wsBox = new QCheckBox(tr("Show whitespace && control characters"), left);
    m_rawBox = new QCheckBox(tr("Raw JSON"), left);
    m_wrapBox = new QCheckBox(tr("Wrap"), left);
    m_wrapBox->setChecked(true);
    bar->addWidget(m_wsBox);
    bar->addWidget(m_rawBox);
    bar->addWidget(m_wrapBox);
    bar->addStretch(1);
    leftLayout->addLayout(bar);
    m_edit = new QPlainTextEdit(left);
    m_edit->setReadOnly(true);
    m_edit->setObjectName(QStringLiteral("documentText"));
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->setPlaceholderText(tr("Select a document in the table to read it."));
    new MarkerHighlighter(m_edit->document());
    // The token losses are computed only while their tab is on display (the view starts its job
    // when shown), so browsing documents costs no model time unless asked for.
    m_tabs = new QTabWidget(left);
    m_tabs->setObjectName(QStringLiteral("documentTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_edit, tr("Text"));
    m_tokens = new TokenLossView(m_tabs);
    m_tabs->addTab(m_tokens, tr("Token losses"));
    leftLayout->addWidget(m_tabs, 1);

    // Find bar under the text, as in a browser: Enter / F3 next, Shift+Enter / Shift+F3 previous,
    // Escape closes it.
    m_findBar = new QWidget(left);
    m_findBar->setObjectName(QStringLiteral("findBar"));
    auto* findLayout = new QHBoxLayout(m_findBar);
    findLayout->setContentsMargins(0, 0, 0, 0);
    m_findEdit = new QLineEdit(m_findBar);
    m_findEdit->setObjectName(QStringLiteral("findText"));
    m_findEdit->setPlaceholderText(tr("Find in document…"));
    m_findEdit->setClearButtonEnabled(true);
    m_findEdit->installEventFilter(this);
    auto* prev = new QToolButton(m_findBar);
    prev->setObjectName(QStringLiteral("findPrevious"));
    prev->setArrowType(Qt::UpArrow);
    prev->setToolTip(tr("Previous match (Shift+Enter, Shift+F3)"));
    auto* next = new QToolButton(m_findBar);
    next->setObjectName(QStringLiteral("findNext"));
    next->setArrowType(Qt::DownArrow);
    next->setToolTip(tr("Next match (Enter, F3)"));
    m_findCase = new QCheckBox(tr("Aa"), m_findBar);
    m_findCase->setObjectName(QStringLiteral("findCase"));
    m_findCase->setToolTip(tr("Match case"));
    m_findStatus = new QLabel(m_findBar);
    m_findStatus->setObjectName(QStringLiteral("findStatus"));
    m_findStatus->setMinimumWidth(m_findStatus->fontMetrics().horizontalAdvance(QStringLiteral("00000 of 00000")));
    auto* close = new QToolButton(m_findBar);
    close->setObjectName(QStringLiteral("findClose"));
    close->setText(QStringLiteral("✕"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Close the find bar (Escape)"));
    findLayout->addWidget(m_findEdit, 1);
    findLayout->addWidget(prev);
    findLayout->addWidget(next);
    findLayout->addWidget(m_findCase);
    findLayout->addWidget(m_findStatus);
    findLayout->addWidget(close);
    m_findBar->hide();
    leftLayout->addWidget(m_findBar);
    connect(m_findEdit, &QLineEdit::textChanged, this, &DocumentViewer::runFind);
    connect(m_findCase, &QCheckBox::toggled, this, &DocumentViewer::runFind);
    connect(prev, &QToolButton::clicked, this, &DocumentViewer::findPrevious);
    connect(next, &QToolButton::clicked, this, &DocumentViewer::findNext);
    connect(close, &QToolButton::clicked, this, &DocumentViewer::closeFind);
    auto* findAction = m_findAction = new QAction(tr("&Find in Document…"), this);
    findAction->setShortcut(QKeySequence::Find);
    findAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(findAction, &QAction::triggered, this, [this]() { openFind(); });
    addAction(findAction);
    auto* nextAction = new QAction(tr("Find Next"), this);
    nextAction->setShortcut(QKeySequence::FindNext);
    nextAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(nextAction, &QAction::triggered, this, &DocumentViewer::findNext);
    addAction(nextAction);
    auto* prevAction = new QAction(tr("Find Previous"), this);
    prevAction->setShortcut(QKeySequence::FindPrevious);
    prevAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(prevAction, &QAction::triggered, this, &DocumentViewer::findPrevious);
    addAction(prevAction);

    auto* right = new QWidget(splitter);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto makeTable = [right](const QStringList& headers) {
        auto* t = new QTableWidget(right);
        t->setColumnCount(int(headers.size()));
        t->setHorizontalHeaderLabels(headers);
        t->verticalHeader()->setVisible(false);
        t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 4);
        t->horizontalHeader()->setStretchLastSection(true);
        t->setEditTriggers(QAbstractItemView::NoEditTriggers);
        t->setSelectionBehavior(QAbstractItemView::SelectRows);
        t->setAlternatingRowColors(true);
        return t;
    };
    m_meta = makeTable({ tr("Field"), tr("Value") });
    m_meta->setObjectName(QStringLiteral("metadata"));
    // Values (ids above all) are shown whole: the value column is as wide as its longest value,
    // or the rest of the table when that is wider; a horizontal scroll bar, the middle-elided
    // text and the tooltip take over only when a value is wider than the table.
    m_meta->horizontalHeader()->setStretchLastSection(false);
    m_meta->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_meta->setTextElideMode(Qt::ElideMiddle);
    m_meta->installEventFilter(this);
    m_scores = makeTable({ tr("Score"), tr("Value"), tr("Percentile"), tr("Rule") });
    m_scores->setObjectName(QStringLiteral("scores"));
    rightLayout->addWidget(m_meta, 1);
    rightLayout->addWidget(m_scores, 1);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);

    connect(m_wsBox, &QCheckBox::toggled, this, &DocumentViewer::setShowWhitespace);
    connect(m_rawBox, &QCheckBox::toggled, this, [this](bool on) {
        m_showRaw = on;
        updateText();
    });
    connect(m_wrapBox, &QCheckBox::toggled, this,
        [this](bool on) { m_edit->setLineWrapMode(on ? QPlainTextEdit::WidgetWidth : QPlainTextEdit::NoWrap); });
}

DocumentViewer::~DocumentViewer() = default;

void DocumentViewer::setCorpus(std::shared_ptr<const CorpusData> corpus, std::shared_ptr<DocumentSource> source)
{
    m_corpus = std::move(corpus);
    m_source = std::move(source);
    m_summary.reset();
    m_complete = false;
    showDocument(std::nullopt);
}

void DocumentViewer::setSummary(std::shared_ptr<const CorpusSummary> summary)
{
    m_summary = std::move(summary);
    updateMetadata();
}

void DocumentViewer::setSample(const SampleScope& sample)
{
    m_sample = sample;
    updateMetadata();
}

QString DocumentViewer::percentileText(double p) const
{
    if (!m_sample.active())
        return percentText(p);
    // The share of the sample's n documents at or below the value estimates the corpus's share: a proportion, with
    // the same 95% interval as every other figure from the sample.
    const uint64_t n = m_sample.documents;
    const Interval ci = m_sample.fraction(uint64_t(std::llround(p / 100 * double(n))), n);
    return QStringLiteral("≈%1 (%2–%3%)")
        .arg(percentText(p), QString::number(100 * ci.low, 'f', 1), QString::number(100 * ci.high, 'f', 1));
}

std::vector<std::pair<QString, QString>> DocumentViewer::recordFields(const std::string& line)
{
    // Where the document came from, when its record says: a WET/WARC document's url and date (issue 21), C4's
    // url and timestamp. Read on the worker, with the line.
    std::vector<std::pair<QString, QString>> out;
    if (line.empty())
        return out;
    const QJsonObject o
        = QJsonDocument::fromJson(QByteArray::fromRawData(line.data(), qsizetype(line.size()))).object();
    const std::pair<const char*, QString> keys[]
        = { { "url", tr("URL") }, { "date", tr("Date") }, { "timestamp", tr("Timestamp") } };
    for (const auto& [key, label] : keys)
        if (const QJsonValue v = o.value(QLatin1String(key)); v.isString())
            out.emplace_back(label, v.toString());
    return out;
}

void DocumentViewer::setRules(const std::vector<FilterRule>& rules)
{
    m_rules = rules;
    updateMetadata();
}

void DocumentViewer::showDocument(std::optional<uint32_t> doc)
{
    m_doc = doc;
    const quint64 request = ++m_request;
    m_text.clear();
    m_raw.clear();
    m_recordFields.clear();
    m_error.clear();
    m_shardChanged.clear();
    m_changedBar->hide();
    m_percentiles.clear();
    updateMetadata();
    m_edit->setPlaceholderText(tr("Select a document in the table to read it."));
    if (!doc || !m_corpus || !m_source || *doc >= m_corpus->size()) {
        m_edit->clear();
        m_tokens->clear();
        runFind();
        return;
    }
    m_edit->setPlainText(tr("Reading…"));
    runFind();
    const uint32_t shard = m_corpus->shard(*doc);
    const uint64_t offset = m_corpus->offset(*doc);
    const uint32_t length = m_corpus->length(*doc);
    auto source = m_source;
    const uint32_t d = *doc;
    DocumentSource::Expected expected;
    expected.id = m_corpus->idOf(d);
    expected.line = m_corpus->line(d);
    expected.textBytes = m_corpus->textBytes(d);
    if (m_complete) {
        // Percentile of each score among all documents: one counting pass per column, off the
        // GUI thread (the corpus is complete, so nothing appends to it meanwhile).
        std::shared_ptr<const CorpusData> corpus = m_corpus;
        QtConcurrent::run([corpus, d]() {
            std::vector<double> pct(corpus->columnCount(), std::nan(""));
            for (size_t c = 0; c < corpus->columnCount(); ++c) {
                const auto& col = corpus->scores(c);
                const float v = col[d];
                if (std::isnan(v))
                    continue;
                // A categorical column (lang) has no order: the share of documents in this category.
                const bool categorical = corpus->columns()[c].categorical();
                size_t upto = 0, valid = 0;
                for (float x : col) {
                    valid += !std::isnan(x);
                    upto += categorical ? x == v : x <= v;
                }
                pct[c] = valid ? 100.0 * double(upto) / double(valid) : std::nan("");
            }
            return pct;
        }).then(this, [this, request](std::vector<double> pct) {
            if (request != m_request)
                return;
            m_percentiles = std::move(pct);
            updateMetadata();
        });
    }
    QtConcurrent::run([source, shard, offset, length, expected]() {
        Loaded loaded;
        loaded.doc = source->read(shard, offset, length, &expected);
        loaded.fields = recordFields(loaded.doc.line);
        return loaded;
    }).then(this, [this, request, d, shard, source](Loaded loaded) {
        if (request != m_request)
            return; // another document was selected meanwhile
        DocumentSource::Document& r = loaded.doc;
        m_recordFields = std::move(loaded.fields);
        if (!m_recordFields.empty())
            updateMetadata();
        if (r.shard != DocumentSource::ShardState::Unchanged) {
            const QString name = QString::fromStdString(source->shardName(shard)).toHtmlEscaped();
            m_shardChanged = r.shard == DocumentSource::ShardState::Missing
                ? tr("Shard <b>%1</b> was deleted or moved since it was scanned.").arg(name)
                : tr("Shard <b>%1</b> changed on disk since it was scanned.").arg(name);
            m_shardChanged += tr(" Its documents cannot be shown until the corpus is rescanned.");
            m_changedLabel->setText(m_shardChanged);
            m_changedBar->show();
        }
        m_text = QString::fromStdString(r.text);
        m_raw = QString::fromStdString(r.line);
        m_error = QString::fromStdString(r.error);
        if (r.error.empty())
            m_tokens->setText(r.text);
        else
            m_tokens->clear();
        updateText();
        emit documentLoaded(d);
    });
}

void DocumentViewer::setShowWhitespace(bool on)
{
    m_showWhitespace = on;
    {
        const QSignalBlocker b(m_wsBox);
        m_wsBox->setChecked(on);
    }
    updateText();
}

void DocumentViewer::setTokenLossesShown(bool on)
{
    m_tabs->setCurrentWidget(on ? static_cast<QWidget*>(m_tokens) : m_edit);
}

QString DocumentViewer::displayedText() const
{
    return m_edit->toPlainText();
}

QString DocumentViewer::verdictText() const
{
    return m_verdict->text();
}

QString DocumentViewer::shardChangedMessage() const
{
    return m_shardChanged;
}

void DocumentViewer::updateText()
{
    if (!m_shardChanged.isEmpty()) {
        m_edit->setPlainText(
            QTextDocumentFragment::fromHtml(m_shardChanged).toPlainText() + QStringLiteral("\n\n") + m_error);
        runFind();
        return;
    }
    if (!m_error.isEmpty()) {
        m_edit->setPlainText(tr("Could not read this document:\n%1").arg(m_error));
        runFind();
        return;
    }
    QString t = m_showRaw ? m_raw : m_text;
    QString note;
    if (t.size() > kMaxShownChars) {
        note = tr("\n\n[… showing the first %1 of %2 characters]")
                   .arg(QLocale().toString(kMaxShownChars), QLocale().toString(t.size()));
        t.truncate(kMaxShownChars);
    }
    if (m_showWhitespace)
        t = markWhitespace(t);
    auto* hl = m_edit->document()->findChild<QSyntaxHighlighter*>();
    if (auto* mh = static_cast<MarkerHighlighter*>(hl))
        mh->enabled = m_showWhitespace;
    m_edit->setPlainText(t + note);
    runFind();
}

void DocumentViewer::showFilteredOut()
{
    if (!m_doc)
        return;
    const QString id
        = m_corpus && *m_doc < m_corpus->size() ? QString::fromStdString(m_corpus->idOf(*m_doc)) : QString();
    showDocument(std::nullopt);
    m_verdict->setText(
        tr("Document %1 is not in the table's current rows (a filter removed it).").arg(id.toHtmlEscaped()));
    m_verdict->setStyleSheet(QStringLiteral("QLabel { color: palette(mid); font-style: italic; }"));
    m_edit->setPlaceholderText(tr("The document shown before is not among the table's rows. Select one in the table."));
}

void DocumentViewer::setHighlightTerm(const QString& needle, bool caseSensitive)
{
    if (needle == m_highlight && caseSensitive == m_highlightCase)
        return;
    m_highlight = needle;
    m_highlightCase = caseSensitive;
    updateHighlights();
}

void DocumentViewer::openFind(const QString& needle)
{
    m_tabs->setCurrentWidget(m_edit);
    m_findBar->show();
    // Opened with nothing typed, it starts from the table's search: that is what the user sought.
    if (!needle.isEmpty())
        m_findEdit->setText(needle);
    else if (m_findEdit->text().isEmpty() && !m_highlight.isEmpty()) {
        const QSignalBlocker b(m_findCase);
        m_findCase->setChecked(m_highlightCase);
        m_findEdit->setText(m_highlight);
    }
    m_findEdit->setFocus(Qt::ShortcutFocusReason);
    m_findEdit->selectAll();
    runFind();
}

void DocumentViewer::closeFind()
{
    const bool hadFocus = m_findBar->isAncestorOf(QApplication::focusWidget());
    m_findBar->hide();
    m_findMatches.clear();
    m_findCurrent = -1;
    updateHighlights();
    if (hadFocus)
        m_edit->setFocus();
}

bool DocumentViewer::findOpen() const
{
    return !m_findBar->isHidden();
}

void DocumentViewer::runFind()
{
    m_findMatches.clear();
    m_findCurrent = -1;
    if (findOpen() && !m_findEdit->text().isEmpty()) {
        m_findMatches = matchesOf(m_edit->toPlainText(), m_findEdit->text(),
            m_findCase->isChecked() ? Qt::CaseSensitive : Qt::CaseInsensitive);
        if (!m_findMatches.empty()) {
            // The first match at or after the caret, so typing refines the search where one reads.
            const int from = m_edit->textCursor().selectionStart();
            const auto it = std::lower_bound(m_findMatches.begin(), m_findMatches.end(), from);
            m_findCurrent = it == m_findMatches.end() ? 0 : int(it - m_findMatches.begin());
        }
    }
    updateHighlights();
}

void DocumentViewer::findNext()
{
    if (!findOpen()) {
        openFind();
        return;
    }
    if (m_findMatches.empty())
        return;
    m_findCurrent = (m_findCurrent + 1) % int(m_findMatches.size());
    updateHighlights();
}

void DocumentViewer::findPrevious()
{
    if (!findOpen()) {
        openFind();
        return;
    }
    if (m_findMatches.empty())
        return;
    m_findCurrent = (m_findCurrent - 1 + int(m_findMatches.size())) % int(m_findMatches.size());
    updateHighlights();
}

QString DocumentViewer::findStatusText() const
{
    return m_findStatus->text();
}

void DocumentViewer::updateHighlights()
{
    QList<QTextEdit::ExtraSelection> selections;
    QTextDocument* doc = m_edit->document();
    const int end = doc->characterCount() - 1;
    auto add = [&](int pos, int length, const QColor& background) {
        if (pos + length > end)
            return;
        QTextEdit::ExtraSelection sel;
        sel.cursor = QTextCursor(doc);
        sel.cursor.setPosition(pos);
        sel.cursor.setPosition(pos + length, QTextCursor::KeepAnchor);
        sel.format.setBackground(background);
        sel.format.setForeground(QColor(Qt::black));
        selections.append(sel);
    };
    // The table's search: a light yellow under every match.
    m_highlightCount = 0;
    if (!m_highlight.isEmpty() && m_doc) {
        const auto hits
            = matchesOf(m_edit->toPlainText(), m_highlight, m_highlightCase ? Qt::CaseSensitive : Qt::CaseInsensitive);
        m_highlightCount = int(hits.size());
        for (size_t i = 0; i < hits.size() && i < size_t(kMaxPaintedMatches); ++i)
            add(hits[i], int(m_highlight.size()), QColor(0xff, 0xf5, 0x9d));
    }
    // The find bar's matches on top: orange, the current one stronger, and scrolled to.
    const int length = int(m_findEdit->text().size());
    for (size_t i = 0; i < m_findMatches.size() && i < size_t(kMaxPaintedMatches); ++i)
        if (int(i) != m_findCurrent)
            add(m_findMatches[i], length, QColor(0xff, 0xcc, 0x80));
    if (m_findCurrent >= 0) {
        add(m_findMatches[size_t(m_findCurrent)], length, QColor(0xff, 0x8f, 0x00));
        QTextCursor c(doc);
        c.setPosition(m_findMatches[size_t(m_findCurrent)]);
        m_edit->setTextCursor(c);
        m_edit->ensureCursorVisible();
    }
    m_edit->setExtraSelections(selections);
    if (m_findEdit->text().isEmpty())
        m_findStatus->clear();
    else if (m_findMatches.empty())
        m_findStatus->setText(tr("No matches"));
    else
        m_findStatus->setText(tr("%L1 of %L2").arg(m_findCurrent + 1).arg(qulonglong(m_findMatches.size())));
    m_findEdit->setStyleSheet(!m_findEdit->text().isEmpty() && m_findMatches.empty() && m_doc
            ? QStringLiteral("QLineEdit { background: #ffcdd2; }")
            : QString());
}

bool DocumentViewer::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_findEdit && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            if (key->modifiers() & Qt::ShiftModifier)
                findPrevious();
            else
                findNext();
            return true;
        }
        if (key->key() == Qt::Key_Escape) {
            closeFind();
            return true;
        }
    }
    if (watched == m_meta && event->type() == QEvent::Resize)
        fitMetadataColumns();
    return QWidget::eventFilter(watched, event);
}

void DocumentViewer::fitMetadataColumns()
{
    if (m_meta->columnCount() < 2)
        return;
    m_meta->resizeColumnToContents(0);
    m_meta->resizeColumnToContents(1);
    const int rest = m_meta->viewport()->width() - m_meta->columnWidth(0);
    if (m_meta->columnWidth(1) < rest)
        m_meta->setColumnWidth(1, rest);
}

void DocumentViewer::updateMetadata()
{
    m_meta->setRowCount(0);
    m_scores->setRowCount(0);
    if (!m_doc || !m_corpus || *m_doc >= m_corpus->size()) {
        m_verdict->setText(tr("No document selected."));
        m_verdict->setStyleSheet({});
        return;
    }
    const CorpusData& c = *m_corpus;
    const uint32_t d = *m_doc;
    const QLocale loc;
    const std::string& group = c.groupNames()[c.group(d)];
    QString shardPath;
    const uint32_t s = c.shard(d);
    if (s < c.shards.size())
        shardPath = QString::fromStdString(c.shards[s].path);
    const std::pair<QString, QString> meta[] = {
        { tr("Id"), QString::fromStdString(c.idOf(d)) },
        { tr("Group"), group.empty() ? tr("(none)") : QString::fromStdString(group) },
        { tr("Document"), loc.toString(qulonglong(d)) },
        { tr("Shard"), QFileInfo(shardPath).fileName() },
        { tr("Line"), c.line(d) ? loc.toString(qulonglong(c.line(d))) : tr("not known (sampled by byte offset)") },
        { tr("Offset"), loc.toString(qulonglong(c.offset(d))) },
        { tr("Text bytes"), loc.toString(qulonglong(c.textBytes(d))) },
        { tr("Text characters"), loc.toString(qulonglong(c.textChars(d))) },
    };
    std::vector<std::pair<QString, QString>> rows(std::begin(meta), std::end(meta));
    rows.insert(rows.end(), m_recordFields.begin(), m_recordFields.end());
    m_meta->setRowCount(int(rows.size()));
    int row = 0;
    for (const auto& [k, v] : rows) {
        m_meta->setItem(row, 0, new QTableWidgetItem(k));
        auto* item = new QTableWidgetItem(v);
        item->setToolTip(k == tr("Shard") ? shardPath : v);
        m_meta->setItem(row, 1, item);
        ++row;
    }
    fitMetadataColumns();

    // Each rule bound to the corpus's columns, so `by` overrides (per language label) and "in" sets
    // are judged as the filter itself judges them; a rule that cannot bind shows nothing.
    std::vector<float> values(c.columnCount());
    for (size_t col = 0; col < values.size(); ++col)
        values[col] = c.scores(col)[d];
    const auto bound = FilterEvaluator::bindEach(m_rules, c.columns());
    auto ruleText = [&](const BoundRules& br) -> QString {
        const Bounds& b = br.boundsFor(0, values.data(), group);
        const std::string key(br.key(0, values.data(), group));
        const FilterRule& r = br.rule(0);
        QString where;
        if (r.overrides.count(key))
            where = r.byGroup() ? tr(" (group %1)").arg(QString::fromStdString(key))
                                : tr(" (%1 = %2)").arg(QString::fromStdString(r.by), QString::fromStdString(key));
        if (b.disabled)
            return tr("off") + where;
        QStringList parts;
        if (b.in) {
            QStringList labels;
            for (const auto& l : *b.in)
                labels << QString::fromStdString(l);
            parts << tr("in {%1}").arg(labels.join(QStringLiteral(", ")));
        }
        if (b.min)
            parts << tr("≥ %1").arg(*b.min, 0, 'g', 5);
        if (b.max)
            parts << tr("≤ %1").arg(*b.max, 0, 'g', 5);
        return parts.join(QStringLiteral(", ")) + where + (br.passes(0, values.data(), group) ? tr("  ✓") : tr("  ✗"));
    };

    m_scores->setRowCount(int(c.columnCount()));
    for (size_t col = 0; col < c.columnCount(); ++col) {
        const auto& info = c.columns()[col];
        const float v = c.scores(col)[d];
        auto* name = new QTableWidgetItem(QString::fromStdString(info.name));
        name->setToolTip(QString::fromStdString(info.definition));
        m_scores->setItem(int(col), 0, name);
        const bool categorical = info.categorical();
        QString value = std::isnan(v) ? tr("missing") : QString::number(double(v), 'g', 5);
        if (categorical && !std::isnan(v) && v >= 0 && size_t(v) < info.categories.size())
            value = QString::fromStdString(info.categories[size_t(v)]);
        m_scores->setItem(int(col), 1, new QTableWidgetItem(value));
        QString pct;
        if (col < m_percentiles.size() && !std::isnan(m_percentiles[col]))
            pct = categorical ? tr("%1 of documents").arg(percentileText(m_percentiles[col]))
                              : percentileText(m_percentiles[col]);
        else if (categorical)
            pct.clear(); // the share arrives with the counting pass
        else if (m_summary && !std::isnan(v))
            if (const ColumnSummary* cs = m_summary->column(info.name); cs && !cs->empty())
                pct = percentileText(cs->percentileOf(v));
        m_scores->setItem(int(col), 2, new QTableWidgetItem(pct));
        QStringList ruleTexts;
        for (const auto& br : bound)
            if (br && br->evaluated(0) && br->rule(0).column == info.name)
                ruleTexts << ruleText(*br);
        const QString rule = ruleTexts.join(QStringLiteral("; "));
        auto* ruleItem = new QTableWidgetItem(rule);
        if (rule.endsWith(QChar(0x2717)))
            ruleItem->setForeground(QColor(0xc6, 0x28, 0x28));
        m_scores->setItem(int(col), 3, ruleItem);
    }
    m_scores->resizeColumnsToContents();

    FilterEvaluator ev;
    ev.setRules(m_rules);
    const auto reasons = ev.reasons(c, d);
    if (reasons.empty()) {
        m_verdict->setText(
            m_rules.empty() ? tr("<b>Kept</b> — no rules are active.") : tr("<b>Kept</b> — passes every rule."));
        m_verdict->setStyleSheet(QStringLiteral("QLabel { color: #2e7d32; }"));
    } else {
        QStringList lines;
        for (const auto& r : reasons)
            lines << QString::fromStdString(r).toHtmlEscaped();
        m_verdict->setText(
            tr("<b>Dropped</b> by %n rule(s): ", nullptr, int(reasons.size())) + lines.join(QStringLiteral("; ")));
        m_verdict->setStyleSheet(QStringLiteral("QLabel { color: #c62828; }"));
    }
}

} // namespace shardscope
