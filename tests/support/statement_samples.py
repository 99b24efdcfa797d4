"""Small NCG-like statements written for these tests from the facts in NCG-FACTS.md.

They are paraphrases in the test author's own words, shaped like the real statements
(several paragraphs, one idea per sentence, a long list-sentence for the workstreams).
"""

from __future__ import annotations

FOURTH_EN = """\
The Republic of Korea and the United States convened the fourth meeting of the Nuclear \
Consultative Group (NCG) in Washington, D.C. on January 10, 2025. Cara Abercrombie and \
Cho Chang Lae led the two delegations.

The United States reaffirmed that its extended deterrence commitment to the ROK is backed by \
the full range of U.S. capabilities, including nuclear.

The two sides reaffirmed that any nuclear attack by North Korea against the United States or \
its ally is unacceptable and would result in the end of the Kim regime. Such an attack would \
be met with a swift, overwhelming and decisive response.

The delegations reviewed progress across the NCG workstreams: security and \
information-sharing procedures; consultation and communication in a crisis; nuclear and \
strategic planning; conventional-nuclear integration (CNI); and exercises, simulations and \
training.

The two sides agreed to deepen the joint planning and execution of nuclear operations, \
including conventional support from the ROK to U.S. nuclear operations.

The United States will continue to enhance the regular visibility of U.S. strategic assets \
on and around the Korean Peninsula.

The delegations condemned the growing military cooperation between Russia and North Korea.

The two sides agreed to hold the next NCG meeting in Seoul later this year.
"""

FIFTH_EN = """\
The United States and the Republic of Korea held the fifth meeting of the Nuclear \
Consultative Group (NCG) in Washington, D.C. on December 11, 2025. Robert Soofer and \
Kim Hong-cheol led the two delegations.

The United States reaffirmed that its extended deterrence commitment to the ROK is backed by \
the full range of U.S. capabilities, including nuclear.

The two sides reviewed progress in information sharing; consultation and communication; \
conventional-nuclear integration (CNI); and exercises, simulations and training, including an \
NCG tabletop simulation.

The ROK will take the leading role in the conventional defense of the Korean Peninsula, with \
CNI supporting that role.

The two sides agreed on a work plan for the first half of 2026, including the sixth NCG \
meeting.
"""

FIFTH_KO = """\
한미 양국은 2025년 12월 11일 워싱턴에서 제5차 핵협의그룹(NCG) 회의를 개최하였다. 김홍철 \
국방정책실장과 로버트 소퍼 차관보 대행이 양측 대표단을 이끌었다.

미국은 핵을 포함한 모든 범주의 미국 역량으로 뒷받침되는 대한민국에 대한 확장억제 공약을 \
재확인하였다.

양측은 정보공유, 협의 및 소통, 핵·재래식 통합(CNI), 연습·시뮬레이션·훈련 분야의 진전을 \
평가하였다.

대한민국은 한반도 재래식 방위에서 주도적 역할을 수행할 것이다.

양측은 제6차 NCG 회의를 포함한 2026년 상반기 작업계획에 합의하였다.
"""
