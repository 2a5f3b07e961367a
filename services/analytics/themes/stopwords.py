"""Danish and English stop words, removed before themes are labelled with keywords."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


DANISH = _words(
    """
ad af aldrig alle alt altid anden andet andre at bag begge blev blive bliver da de dem den denne
dens der deres det dette dig din dine disse dit dog du efter eller en end ene eneste enhver er
et fem fik fire flere fleste for fordi forrige fra få får før god godt ham han hans har havde
have hele hen hende her hos hun hvad hvem hver hvilke hvilken hvis hvor hvordan hvorfor hvornår
i ikke ind ingen intet ja jeg jer jeres jo kan kom komme kommer kun kunne lad lav lidt lige
lille man mange med meget men mens mere mig min mine mit mod må ned nej ni nogen noget nogle nu
ny nyt nær næste og også om op os otte over på se seks selv ser ses sig sige sin sine sit skal
skulle som stor store syv så sådan tag tage thi ti til to tre ud uden udover under vi vil ville
vor vore vores vær være været andres bl blandt bør både deri derfor dermed derved eks el f.eks
fx hvilket hvorefter hvori hvorved iblandt igen ifølge imellem inden indtil især kl mellem ml
måske nogensinde nok nå pga sammen siden sidst snart tilbage tit via vha ved øvrige år året dag
dage dagen giver gør gøre gjort nye mv osv helt mest samt
"""
)

ENGLISH = _words(
    """
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just me
more most my myself no nor not now of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up very was we were what when where which while who whom
why will with would you your yours yourself yourselves also get got may might must new one two
three us via well many much make made use used using per within without across along among
around upon s t can't don't won't it's i'm we're they're let's mr mrs ms said says say
"""
)

# Words that event descriptions use whatever their subject, so they never name a theme.
EVENT_WORDS = _words(
    """
arrangement arrangementet deltager deltagere deltagerne sådan hør lær bruger bedste konkrete
gennemgår fortæller deler oplæg spørgsmål sparring forplejning velkommen tilmelding event
events join learn hear how what session speaker speakers
"""
)

STOP_WORDS = DANISH | ENGLISH | EVENT_WORDS
