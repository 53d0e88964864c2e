#pragma once
// The selected document: its text (read on demand off the GUI thread), its metadata, each
// score with its percentile in the corpus, and which rules drop it and why. Ctrl+F opens a find
// bar over the text (next/previous, a match count); the table's text search is highlighted too.

#include "columnsummary.h"
#include "corpusdata.h"
#include "documentsource.h"
#include "samplescope.h"

#include <filterconfig.h>

#include <QWidget>

#include <memory>
#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTabWidget;
class QTableWidget;

namespace shardscope {

class TokenLossView;

class DocumentViewer : public QWidget {
    Q_OBJECT
public:
    static constexpr qsizetype kMaxShownChars = 2 * 1024 * 1024;

    explicit DocumentViewer(QWidget* parent = nullptr);
    ~DocumentViewer() override;

    void setCorpus(std::shared_ptr<const CorpusData> corpus, std::shared_ptr<DocumentSource> source);
    void setSummary(std::shared_ptr<const CorpusSummary> summary);
    // The corpus on display is a sample (issue 21): percentiles are estimates and carry their 95% interval.
    // An inactive scope: exact.
    void setSample(const SampleScope& sample);
    // The corpus no longer grows: percentiles of every column can be counted off-thread.
    void setCorpusComplete(bool complete) { m_complete = complete; }
    void setRules(const std::vector<FilterRule>& rules);
    void showDocument(std::optional<uint32_t> doc);
    std::optional<uint32_t> document() const { return m_doc; }
    // The shown document left the table's rows (a filter removed it): the viewer lets it go and
    // says so, rather than go on showing a document the table no longer lists.
    void showFilteredOut();

    // Matches of the table's text search, highlighted in the text (empty: none).
    void setHighlightTerm(const QString& needle, bool caseSensitive);
    QString highlightTerm() const { return m_highlight; }
    int highlightCount() const { return m_highlightCount; }

    // The find bar (Ctrl+F): opens it with `needle` (empty: keeps its text), or closes it.
    void openFind(const QString& needle = {});
    // Ctrl+F: opens the find bar. Its shortcut works while the focus is in the viewer; a window that puts it in
    // a menu can widen that (Qt::WindowShortcut).
    QAction* findAction() const { return m_findAction; }
    void closeFind();
    bool findOpen() const;
    void findNext();
    void findPrevious();
    int findMatchCount() const { return int(m_findMatches.size()); }
    int findCurrent() const { return m_findCurrent; } // -1: none
    QString findStatusText() const;
    QPlainTextEdit* textEdit() const { return m_edit; }

    void setShowWhitespace(bool on);
    bool showWhitespace() const { return m_showWhitespace; }
    // The text as displayed (with whitespace markers when on).
    QString displayedText() const;
    QString verdictText() const;
    QTableWidget* scoreTable() const { return m_scores; }
    // The "Token losses" tab: the text coloured by language-model loss per token.
    TokenLossView* tokenLossView() const { return m_tokens; }
    void setTokenLossesShown(bool on);

    // Visible stand-ins for whitespace and invisible characters: space ·, tab →, newline ¶,
    // carriage return ␍, C0 controls as U+2400 pictures, and "⟨U+XXXX⟩" for line/paragraph
    // separators, zero-width and other format characters.
    static QString markWhitespace(const QString& text);

    // Non-empty while the shown document's shard was changed or deleted since the scan: the
    // message the viewer shows instead of the text (with a Rescan button).
    QString shardChangedMessage() const;

signals:
    void documentLoaded(quint32 doc);
    // The user asked to rescan after the viewer found a shard changed or deleted on disk.
    void rescanRequested();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void updateText();
    void updateMetadata();
    void fitMetadataColumns();
    void runFind();
    void updateHighlights();

    std::shared_ptr<const CorpusData> m_corpus;
    std::shared_ptr<DocumentSource> m_source;
    std::shared_ptr<const CorpusSummary> m_summary;
    SampleScope m_sample;
    QString percentileText(double percent) const;
    std::vector<FilterRule> m_rules;
    std::optional<uint32_t> m_doc;
    bool m_complete = false;
    std::vector<double> m_percentiles; // per column, NaN: not counted
    quint64 m_request = 0;
    QString m_text;
    QString m_raw;
    // Fields of the record shown beside the index's (url, date), read with the document.
    std::vector<std::pair<QString, QString>> m_recordFields;
    struct Loaded {
        DocumentSource::Document doc;
        std::vector<std::pair<QString, QString>> fields;
    };
    static std::vector<std::pair<QString, QString>> recordFields(const std::string& line);
    QString m_error;
    bool m_showWhitespace = false;
    bool m_showRaw = false;

    QString m_shardChanged;

    QLabel* m_verdict = nullptr;
    QWidget* m_changedBar = nullptr;
    QLabel* m_changedLabel = nullptr;
    QPlainTextEdit* m_edit = nullptr;
    QTabWidget* m_tabs = nullptr;
    TokenLossView* m_tokens = nullptr;
    QCheckBox* m_wsBox = nullptr;
    QCheckBox* m_rawBox = nullptr;
    QCheckBox* m_wrapBox = nullptr;
    QTableWidget* m_meta = nullptr;
    QTableWidget* m_scores = nullptr;

    QString m_highlight;
    bool m_highlightCase = false;
    int m_highlightCount = 0;
    QWidget* m_findBar = nullptr;
    QLineEdit* m_findEdit = nullptr;
    QCheckBox* m_findCase = nullptr;
    QLabel* m_findStatus = nullptr;
    std::vector<int> m_findMatches; // start positions in the displayed text
    int m_findCurrent = -1;
    QAction* m_findAction = nullptr;
};

} // namespace shardscope
