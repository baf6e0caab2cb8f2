"""twinbot: answers German, Russian and English questions about German-Russian partner cities."""

from twinbot.errors import KnowledgeError, Problem, TwinbotError
from twinbot.knowledge import LANGS, Entry, KnowledgeBase, Lang, Topic

__version__ = "0.1.0"

__all__ = [
    "LANGS",
    "Entry",
    "KnowledgeBase",
    "KnowledgeError",
    "Lang",
    "Problem",
    "Topic",
    "TwinbotError",
    "__version__",
]
