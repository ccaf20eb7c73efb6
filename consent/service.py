"""What other domains may ask of consent (STYLE.md: a domain reaches another only through its
`service` module, under an alias). Each rule lives in the module of its subject; this module names
the ones other domains use:

- the set-up (`consent.setup`): the privacy notice reads it and renews its policy version;
- the rule of where consent is asked first, in words (`consent.rule_words`): the notice states it;
- a signed-in person's consent records (`consent.identity`): their access request gathers them,
  their erasure unlinks them.

(Retention drops whole months of consent records through the store's declaration on its table.)
"""

from __future__ import annotations

from consent.identity import records_of_person, unlink_person
from consent.rule_words import cookie_rule, rule_in_words
from consent.setup import load_setup, save_setup

__all__ = ["cookie_rule", "load_setup", "records_of_person", "rule_in_words", "save_setup", "unlink_person"]
