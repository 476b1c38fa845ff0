"""Invented OCDS 1.1 releases (fictional UK notices) for the README demo and for benchmarks.

Every organisation, place, notice and sentence here is made up by missionkg: OCIDs start with
``ocds-mkgdemo-`` and packages name the publisher as invented demo data. CPV codes and labels,
ITL region codes and the Procurement Act citation are real reference facts. Releases never share
mutable objects, so consumers may change them in place.
"""

from __future__ import annotations

import contextlib
import gzip as _gz
import heapq
import itertools
import json
import random
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, Literal, NamedTuple

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a project dependency; the standard library will do
    orjson = None  # type: ignore[assignment]

OCID_PREFIX = "ocds-mkgdemo-"
MISSIONS = ("growth", "clean-energy", "safer-streets", "opportunity", "health")
NONE = "none"
Shape = Literal["jsonl", "release-package", "record-package"]
_SPAN_DAYS = 2646  # first releases from start to ~start + 7y3m (default 2019-01-01 .. 2026-03)
_MEAN_RELEASES = 1.3  # releases per OCID, used to space OCIDs over the span
_PUBLISHED = date(2019, 1, 1).toordinal() + _SPAN_DAYS + 275  # package date: after the last default release

# ---- reference facts: CPV 2008 labels (checked against cpv_2008.csv by the tests), ITL regions
_CPV = dict(e.split(" ", 1) for e in """\
60130000 Special-purpose road passenger-transport services|85143000 Ambulance services|85323000 Community health services|85121270 Psychiatrist or psychologist services|85312320 Counselling services|33110000 Imaging equipment for medical, dental and veterinary use|33113000 Magnetic resonance imaging equipment|33111000 X-ray devices|85312400 Welfare services not delivered through residential institutions|85320000 Social services
85000000 Health and social work services|85100000 Health services|33140000 Medical consumables|33141000 Disposable non-chemical medical consumables and haematological consumables|32323500 Video-surveillance system|32234000 Closed-circuit television cameras|35125300 Security cameras|35200000 Police equipment|48000000 Software package and information systems|85311000 Social work services with accommodation
85312000 Social work services without accommodation|98000000 Other community, social and personal services|75231240 Probation services|98341000 Accommodation services|75240000 Public security, law and order services|34114200 Police cars|34100000 Motor vehicles|45453100 Refurbishment work|39221000 Kitchen equipment|45214200 Construction work for school buildings
60112000 Public road transport services|80110000 Pre-school education services|85312110 Child daycare services|80530000 Vocational training services|80500000 Training services|71240000 Architectural, engineering and planning services|85311300 Welfare services for children and young people|85310000 Social work services|55524000 School catering services|09332000 Solar installation
09331200 Solar photovoltaic modules|45261215 Solar panel roof-covering work|42511110 Heat pumps|45331000 Heating, ventilation and air-conditioning installation work|45321000 Thermal insulation work|31158100 Battery chargers|45315600 Low-voltage installation work|31681500 Rechargers|09323000 District heating|45232140 District-heating mains construction work
71314300 Energy-efficiency consultancy services|45261410 Roof insulation work|45320000 Insulation work|71313000 Environmental engineering consultancy services|45211000 Construction work for multi-dwelling buildings and individual houses|45211100 Construction work for houses|45233223 Carriageway resurfacing works|45233142 Road-repair works|45233140 Roadworks|71410000 Urban planning services
71400000 Urban planning and landscape architectural services|32412110 Internet network|45314300 Installation of cable infrastructure|32562000 Optical-fibre cables|79411100 Business development consultancy services|79400000 Business and management consultancy and related services|60100000 Road transport services|30192000 Office supplies|30192700 Stationery|30197630 Printing paper
66510000 Insurance services|66515000 Damage or loss insurance services|66516000 Liability insurance services|79100000 Legal services|79110000 Legal advisory and representation services|77314000 Grounds maintenance services|77310000 Planting and maintenance services of green areas|55520000 Catering services|55510000 Canteen services|79810000 Printing services
79800000 Printing and related services|79820000 Services related to printing|90919200 Office cleaning services|90911200 Building-cleaning services|79212000 Auditing services|79211000 Accounting services|30213000 Personal computers|72000000 IT services: consulting, software development, Internet and support|79620000 Supply services of personnel including temporary staff|79600000 Recruitment services
79000000 Business services: law, marketing, consulting, recruitment, printing and security""".replace("\n", "|").split("|"))

_REGIONS = (  # (Contracts Finder region name, ITL1, ITL2 codes)
    ("North East", "UKC", ("UKC1", "UKC2")), ("North West", "UKD", ("UKD1", "UKD3", "UKD4", "UKD6", "UKD7")),
    ("Yorkshire and the Humber", "UKE", ("UKE1", "UKE2", "UKE3", "UKE4")),
    ("East Midlands", "UKF", ("UKF1", "UKF2", "UKF3")), ("West Midlands", "UKG", ("UKG1", "UKG2", "UKG3")),
    ("East of England", "UKH", ("UKH1", "UKH2", "UKH3")), ("London", "UKI", ("UKI3", "UKI4", "UKI5", "UKI6", "UKI7")),
    ("South East", "UKJ", ("UKJ1", "UKJ2", "UKJ3", "UKJ4")),
    ("South West", "UKK", ("UKK1", "UKK2", "UKK3", "UKK4")), ("Wales", "UKL", ("UKL1", "UKL2")),
    ("Scotland", "UKM", ("UKM5", "UKM6", "UKM7", "UKM8", "UKM9")), ("Northern Ireland", "UKN", ("UKN0",)),
)
_WALES = 9
_PA2023 = {"id": "2023/54", "scheme": "UKPGA", "uri": "https://www.legislation.gov.uk/ukpga/2023/54/contents"}
_PA2023_FROM = date(2025, 2, 24).toordinal()
_FTS_THRESHOLD = 214904  # sub-central goods/services threshold (incl. VAT, 2024-25); only sets aboveThreshold

# ---- templates, written for missionkg. Buyer kinds: C council, N NHS, P police/justice, E education, O other.
# key | mission | category | min £ | max £ | buyer kinds | supplier sector | titles | CPV codes | what | details
_TEMPLATES_TEXT = """\
patient-transport|health|services|4e5|25e6|N|transport|Non-Emergency Patient Transport Service;Patient Transport Services for {place};Patient Transport Service {year}|60130000 85143000|a non-emergency patient transport service for eligible patients|Journeys include outpatient appointments, renal dialysis and same-day discharge from wards.;Vehicles must carry wheelchair and stretcher users safely, with crews trained in moving and handling.;Bookings and eligibility checks will be handled through a single control centre run by the provider.;Key performance indicators cover arrival times, time spent on the vehicle and patient experience.
community-mental-health|health|services|25e4|12e6|NNC|care|Community Mental Health Service;Adult Community Mental Health and Wellbeing Service;Children and Young People's Mental Health Support Service|85323000 85121270 85312320|a community mental health and wellbeing service|The service will offer talking therapies, crisis support and step-down care close to home.;Referrals will come from GPs, hospital teams and self-referral.;The provider must work with local crisis teams to reduce mental health admissions.;Peer support workers with lived experience will form part of the team.
diagnostic-imaging|health|goods|15e4|8e6|N|medical|Diagnostic Imaging Equipment;Supply, Installation and Maintenance of MRI Scanner;CT and X-ray Equipment Replacement|33110000 33113000 33111000|the supply, installation and maintenance of diagnostic imaging equipment|The requirement includes enabling works, applications training and a multi-year maintenance agreement.;Equipment must integrate with the trust's picture archiving and communication system.;Additional scanning capacity is needed to bring down diagnostic waiting lists.;Bidders must guarantee uptime and response times for fault repair.
domiciliary-care|health|services|5e5|40e6|C|care|Adult Social Care Domiciliary Care Framework;Home Care Services for Older People;Care and Support at Home in {place}|85312400 85320000 85000000|domiciliary care and support for adults living in their own homes|Care workers will help people with personal care, medication and daily living so they can stay independent.;Providers must be registered with the Care Quality Commission for personal care.;Packages will be commissioned by geographic zone to cut travel time between visits.;The service should support timely hospital discharge and reablement.
public-health|health|services|2e5|15e6|CN|care|Integrated Sexual Health Service;Stop Smoking Service;Drug and Alcohol Recovery Service|85100000 85323000|a public health service funded from the local public health grant|The service will be open access, with clinics and outreach in the areas of highest need.;Prevention, early intervention and health education are central to the model.;The provider will be measured on access, completion and outcomes for service users.;Digital booking and remote consultation should be offered alongside face-to-face appointments.
medical-consumables|health|goods|5e4|3e6|N|medical|Supply of Medical Consumables;Wound Care Products;Clinical Consumables for Community Nursing|33140000 33141000|the supply of clinical and medical consumables|Products will be delivered to wards, clinics and community nursing bases.;All items must carry UKCA or CE marking and meet the relevant clinical standards.;An online ordering and stock management system is required.;Samples may be requested for clinical evaluation.
cctv|safer-streets|goods|6e4|25e5|CP|security|Public Space CCTV Upgrade;CCTV Control Room Modernisation;Town Centre CCTV Camera Replacement in {place}|32323500 32234000 35125300|the upgrade of the public space CCTV network and its monitoring centre|Analogue cameras will be replaced with high-definition IP cameras linked to a modernised control room.;The system helps the police prevent crime and gather evidence for prosecutions.;Cameras will cover the town centre, transport hubs and streets affected by anti-social behaviour.;Maintenance and a fault response service are included for the contract term.
body-worn-video|safer-streets|goods|2e5|6e6|P|security|Body-Worn Video Cameras for Police Officers;Body Worn Video and Digital Evidence Management;Replacement Body-Worn Camera Solution|35200000 32323500 48000000|body-worn video cameras and secure digital evidence management for frontline officers|Cameras must offer pre-record buffering, secure docking and automatic upload of footage.;Footage must be stored securely and shared with prosecutors in line with disclosure rules.;The solution will be issued to response, neighbourhood and roads policing officers.;Training for officers and system administrators is included.
domestic-abuse-refuge|safer-streets|services|1e5|4e6|CCP|care|Domestic Abuse Refuge Service;Safe Accommodation and Support for Survivors of Domestic Abuse;Independent Domestic Violence Advisor Service|85311000 85312000 98000000|safe accommodation and specialist support for survivors of domestic abuse and their children|The service will provide refuge places, dispersed accommodation and outreach support.;Support workers will carry out risk assessments and safety planning with each survivor.;The provider must take part in the local multi-agency risk assessment conference.;Specialist support must be available for children, older victims and disabled survivors.
probation-accommodation|safer-streets|services|3e5|20e6|PO|care|Probation Accommodation Service;Community Accommodation Service for People on Probation;Move-On Accommodation for Prison Leavers|75231240 98341000 85311000|temporary accommodation and resettlement support for people leaving prison and on probation|The aim is to reduce reoffending by making sure nobody leaves prison without somewhere to stay.;Support will cover tenancy skills, benefits, substance misuse referrals and access to work.;Properties must be safe, furnished and located away from known risks to victims.;The provider will work closely with probation practitioners and local housing teams.
youth-violence|safer-streets|services|5e4|2e6|PC|care|Youth Diversion and Knife Crime Prevention Programme;Serious Violence Reduction Interventions;Anti-Social Behaviour Mediation Service|85312000 75240000|early intervention to divert young people away from crime and serious violence|Youth workers will engage young people at risk of exploitation through schools, hospitals and custody suites.;The programme supports the local serious violence partnership.;Mentoring, sport and education activities will be offered alongside targeted casework.;Referrals will come from the youth justice service, the police and schools.
police-vehicles|safer-streets|goods|5e5|15e6|P|vehicles|Supply of Marked Police Vehicles;Police Fleet Replacement Programme;Response Vehicles and Conversion|34114200 34100000|marked and unmarked police vehicles, including conversion and livery|Vehicles will be fitted with emergency lighting, sirens and in-car communications.;The fleet supports emergency response and roads policing across the force area.;Whole-life costs and fuel efficiency will be assessed.;Deliveries will be phased over the term to match the replacement schedule.
school-kitchen|opportunity|works|4e4|9e5|EC|construction|School Kitchen Refurbishment;Primary School Kitchen Upgrade Works;Refurbishment of Catering Facilities at {place} Academy|45453100 39221000 45214200|refurbishment of a school kitchen and dining area|Works must be carried out during the summer holidays so pupils' meals are not disrupted.;New extraction, gas safety interlocks and catering equipment are included.;Anyone working on the school site must hold an enhanced DBS check.;The new kitchen will let hot meals be cooked on site for every pupil.
send-transport|opportunity|services|1e5|20e6|C|transport|SEND Home to School Transport;Home to School Transport for Pupils with Special Educational Needs;Passenger Transport Dynamic Purchasing System - SEND Routes|60130000 60112000|home to school transport for children and young people with special educational needs and disabilities|Routes are offered as mini-competitions for taxis, minibuses and passenger assistants.;Drivers and passenger assistants must hold enhanced DBS checks and complete SEND awareness training.;Pupils travel to special schools, resourced provision and mainstream schools across the county.;Vehicles must be wheelchair accessible where the route requires it.
early-years|opportunity|services|1e5|6e6|C|education|Early Years and Childcare Provision;Funded Childcare Places for Two-Year-Olds;Family Hub Early Years Service|80110000 85312110|early years education and childcare places for families|Providers must be rated good or outstanding by Ofsted.;The service will prioritise disadvantaged two-year-olds and children with emerging special needs.;Staff will support early language and communication so children are ready for school.;Parents will be offered play sessions and advice through local family hubs.
apprenticeship-training|opportunity|services|3e4|2e6|CNPEO|education|Apprenticeship Training Provider;Apprenticeship Levy Training Framework;Level 3 Apprenticeship Programme Delivery|80530000 80500000|an apprenticeship training provider for new and existing staff|Training will be funded through the apprenticeship levy and delivered to approved standards.;Apprentices will range from level 2 to level 5 across business, digital and care roles.;The provider must offer functional skills support in English and maths.;Progress reviews with apprentices and line managers will be held every twelve weeks.
school-building|opportunity|works|1e6|25e6|CE|construction|New Primary School Construction;School Expansion and Classroom Block;Special School Extension at {place}|45214200 71240000|construction of new school accommodation to meet rising demand for places|The scheme will provide new classrooms, a hall and accessible toilets.;Works must be phased around the working school with strict safeguarding controls.;The building must meet the national output specification for schools.;Completion is required before the start of the new academic year.
childrens-care|opportunity|services|5e5|30e6|C|care|Independent Fostering Agency Framework;Children's Residential Care Placements;Supported Accommodation for Care Leavers|85311300 85310000|placements and support for children in care and care leavers|Placements should keep children close to their school, family and friends wherever possible.;Providers must be registered with Ofsted and meet the relevant national standards.;Outcomes will be measured on the stability, education and health of each child.;Care leavers will be helped to build independent living skills and move into work or training.
school-meals|opportunity|services|3e5|10e6|CE|facilities|School Meals Service;Primary School Catering with Healthy Eating Standards;Catering Services for {place} Schools|55524000|a school meals service meeting the school food standards|Menus must meet the school food standards and promote healthy eating.;Free school meals will be provided to every eligible pupil.;Fresh, seasonal and locally sourced ingredients are encouraged.;The contractor will run kitchens in primary and secondary schools across the area.
solar-pv|clean-energy|works|5e4|5e6|CEN|energy|Solar PV Installation on Council Buildings;Rooftop Solar Photovoltaic Programme;Solar Car Port and Battery Storage at {place}|09332000 09331200 45261215|design and installation of solar photovoltaic systems on public buildings|Arrays will be installed on the roofs of offices, depots, leisure centres and schools.;Generated electricity will be used on site, with battery storage where viable.;Structural surveys and grid connection applications are part of the scope.;Installers must be MCS certified and provide monitoring of generation.
heat-pump-retrofit|clean-energy|works|1e5|12e6|COE|energy|Air Source Heat Pump Retrofit;Low Carbon Heating Retrofit of Social Housing;Heat Decarbonisation of Public Buildings|42511110 45331000 45321000|replacement of gas boilers with air source heat pumps and associated fabric improvements|Works include heat loss surveys, radiator upgrades and hot water cylinders.;Residents will be shown how to run their new heating systems efficiently.;The programme is part funded by a public sector decarbonisation grant.;Installations must comply with MCS standards and be fully commissioned and documented.
ev-charging|clean-energy|works|5e4|8e6|CPN|energy|Electric Vehicle Charge Point Installation;On-Street EV Charging Concession;Fleet Electrification and Depot Charging|31158100 45315600 31681500|installation and operation of electric vehicle charge points|Chargers will be installed in public car parks, residential streets and fleet depots.;The operator will provide back-office software, payment options and maintenance.;The scheme supports the move of the fleet to zero-emission vehicles.;Charge points must be accessible and meet current smart charging regulations.
heat-network|clean-energy|works|4e4|30e6|CO|energy|District Heat Network Design and Build;Heat Network Feasibility Study;Low Carbon Heat Network Extension in {place}|09323000 45232140 71314300|a low carbon district heat network serving homes and public buildings|Heat will come from water source heat pumps and recovered waste heat.;The network will connect civic buildings, a hospital and new housing.;Feasibility work covers heat demand mapping, pipe routing and a business case.;The network must cut carbon emissions compared with individual gas boilers.
insulation-retrofit|clean-energy|works|2e5|15e6|CO|construction|Whole House Retrofit Programme;Warm Homes Insulation Works;External Wall and Loft Insulation|45321000 45261410 45320000|energy efficiency retrofit of homes, including insulation and ventilation|Homes with the lowest energy ratings will be treated first.;Works include external wall insulation, loft insulation, windows and ventilation.;Retrofit assessment and coordination must follow PAS 2035.;Residents should see lower energy bills and warmer homes.
net-zero-advice|clean-energy|services|2e4|4e5|CNE|professional|Net Zero Route Map;Carbon Management Plan Support;Decarbonisation Strategy and Energy Audits|71314300 71313000|consultancy support to plan the route to net zero carbon|The consultant will baseline emissions across buildings, fleet and street lighting.;Recommendations must be costed and ranked by carbon saved per pound spent.;The work will inform bids for decarbonisation funding.;Staff workshops will build in-house skills on energy and carbon.
affordable-housing|growth|works|2e6|60e6|CO|construction|Affordable Housing Development;New Council Homes Programme;Design and Build of Affordable Homes at {place}|45211000 45211100|design and build of new affordable homes for social rent and shared ownership|The scheme will deliver new homes on a brownfield site that already has planning consent.;Homes must meet nationally described space standards and accessible design requirements.;Delivering more homes is the top priority of the local housing strategy.;The contractor will work with the housing team on handover and aftercare.
highway-resurfacing|growth|works|2e5|40e6|CO|construction|Highway Resurfacing Programme;Carriageway Resurfacing and Surface Treatment;Highways Maintenance Term Contract|45233223 45233142 45233140|resurfacing and structural maintenance of the local highway network|The programme covers planned resurfacing, surface dressing and patching of priority roads.;Traffic management must keep disruption to bus routes and businesses to a minimum.;Works will be instructed by task order against a schedule of rates.;The aim is to keep the network safe and reliable for people and freight.
town-centre-regeneration|growth|works|1e5|15e6|CO|construction|Town Centre Regeneration;High Street Public Realm Improvements;{place} Regeneration Masterplan|71410000 45453100 71400000|regeneration of the town centre and its public spaces|The project will bring empty shops back into use and improve the public realm.;New workspace and homes above shops will help bring footfall back to the high street.;The scheme is funded through a regional regeneration fund.;Local businesses and residents will be consulted on the design.
full-fibre|growth|works|5e5|30e6|CO|digital|Full Fibre Broadband Rollout;Gigabit Connectivity for Rural Premises;Local Full Fibre Network|32412110 45314300 32562000|build of full fibre gigabit-capable broadband to premises the market will not reach|The network will reach homes, businesses and public buildings in hard-to-reach areas.;Gigabit connectivity will support new business investment and remote working.;The supplier must offer open access wholesale services to other providers.;Build progress will be reported against premises passed each quarter.
business-support|growth|services|5e4|3e6|CO|professional|Business Growth Support Programme;SME Growth Hub Advisory Service;Start-Up and Scale-Up Support|79411100 79400000|a business growth support programme for local small and medium-sized firms|Advisers will offer one-to-one support on growth plans, exporting, finance and innovation.;Workshops and peer networks will help new firms survive and scale.;The programme will be measured on jobs created and businesses supported.;The provider will work with the local growth hub and chambers of commerce.
bus-services|growth|services|2e5|10e6|CO|transport|Supported Local Bus Services;Bus Service Improvement Routes;Demand Responsive Transport Service|60112000 60100000|operation of supported local bus services|Routes link outlying villages and estates with the town centre, the rail station and employment sites.;Operators must run accessible vehicles on every route.;Fares and timetables will follow the local bus service improvement plan.;Better bus links will help residents reach jobs, training and services.
stationery|none|goods|5e3|4e5|CNPEO|supplies|Office Stationery and Consumables;Supply of Stationery and Paper;Office Supplies Contract|30192000 30192700 30197630|office stationery, paper and desk consumables|Orders will be placed online and delivered next day to several sites.;A core list of frequently ordered items will be priced for the full term.;Products with recycled content are preferred.;Consolidated monthly invoicing is required.
insurance|none|services|5e4|5e6|CNPEO|professional|Insurance Services;Property and Liability Insurance Programme;Motor Fleet Insurance|66510000 66515000 66516000|insurance cover for property, liability and motor risks|Cover includes material damage, public and employers' liability and motor fleet.;Insurers must provide claims handling and risk management support.;A long-term agreement with annual premium reviews may be offered.;Policy documents and schedules must be issued before the renewal date.
legal|none|services|2e4|3e6|CNPEO|professional|Legal Services Framework;External Legal Advice;Employment Law Advisory Services|79100000 79110000|external legal advice and representation|Work areas include commercial, property, employment and litigation.;Firms will be called off by direct award or mini-competition.;Hourly rates must be fixed for the first two years.;Advice must be given by suitably qualified solicitors.
grounds|none|services|2e4|2e6|CNPEO|facilities|Grounds Maintenance;Grounds Maintenance and Grass Cutting;Landscape Maintenance Contract|77314000 77310000|grounds maintenance at parks, verges and operational sites|Services include grass cutting, hedge trimming, shrub beds and leaf clearance.;Sites range from office car parks to cemeteries and open spaces.;Work schedules vary by season and frequency.;Green waste must be taken to licensed facilities.
office-catering|none|services|2e4|15e5|CPO|facilities|Staff Restaurant and Hospitality Catering;Corporate Catering Services;Office Catering and Vending|55520000 55510000|staff restaurant, hospitality and vending services at headquarters buildings|The caterer will run a staff restaurant, coffee bar and meeting-room hospitality.;Prices must compare well with local high street outlets.;Vending machines will be supplied, stocked and maintained.;A food hygiene rating of five must be kept.
printing|none|services|1e4|1e6|CNPEO|supplies|Print Services;Printing and Mailing Services;Managed Print Service|79810000 79800000 79820000|printing, finishing and mailing services|Jobs range from leaflets and forms to bulk mailings.;Proofs must be returned within two working days.;Managed multifunction devices will replace standalone printers.;Secure printing is required for confidential documents.
cleaning|none|services|2e4|3e6|CNPEO|facilities|Office Cleaning Services;Cleaning of Corporate Buildings;Window and Office Cleaning|90919200 90911200|cleaning of offices and corporate buildings|Daily cleaning is required outside core office hours.;Periodic deep cleans and window cleaning are included.;Consumables and washroom supplies are part of the service.;Performance will be checked through monthly audits.
audit|none|services|2e4|8e5|CNPEO|professional|Internal Audit Services;Internal Audit and Assurance;Audit and Accountancy Support Services|79212000 79211000|internal audit and accountancy support|The provider will deliver the annual audit plan agreed by the audit committee.;Reports must set out findings, risk ratings and agreed actions.;Specialist IT audit days may be called off as needed.;Staff must hold recognised accountancy qualifications.
it-hardware|none|goods|2e4|3e6|CNPEO|digital|Laptop and Desktop Refresh;End User Device Supply;IT Hardware and Peripherals|30213000 72000000|laptops, desktops and peripherals for staff|Devices must arrive imaged, asset tagged and ready to deploy.;Secure data wiping and disposal of old equipment is required.;Warranty and next-day replacement are part of the service.;Orders will be placed through an online catalogue.
temp-staff|none|services|5e4|5e6|CNPEO|professional|Temporary Agency Staff;Recruitment Services;Interim and Agency Workers|79620000 79600000|temporary agency workers and recruitment support for corporate roles|Roles include administration, finance, HR and customer service.;Agency workers must be vetted and ready to start at short notice.;Charges will be a fixed mark-up on pay rates.;A neutral vendor model is preferred.
vague|none|services|1e4|1e6|CNPEO|professional|Provision of Services;Consultancy Support;Framework for Professional Services|79400000 79000000|specialist support services as described in the tender documents|Full details are set out in the tender documents.;Suppliers should register on the portal to see the specification.;The requirement may be divided into lots.;Bidders should read all documents before submitting a response."""

# ---- wording and invented names, written for missionkg: key|item|item|...
_PHRASES = {k: tuple(v) for k, *v in (line.split("|") for line in """\
opener|{buyer} is seeking a suitably experienced {who} to deliver {what}.|{buyer} invites tenders for {what} across {place}.|This opportunity is for {what} on behalf of {buyer}.|{buyer} wishes to appoint a {who} for {what}.|The purpose of this procurement is to secure {what} for {place}.|{buyer} intends to award a contract for {what}.
growth|The scheme forms part of the area's plan to unlock housing delivery and local economic growth.|The investment is expected to improve connectivity for residents and businesses.|The project is part funded through a regional growth programme and must finish within the funding window.|Delivery will support new jobs and business investment in the local economy.
clean-energy|The work contributes to the buyer's commitment to reach net zero carbon emissions.|Projected savings in energy use and carbon emissions will be reported every year.|The project is supported by public decarbonisation grant funding.|Lower running costs and a cleaner energy supply are expected for the buildings served.
safer-streets|The service supports the local police and crime plan and the community safety partnership's priorities.|The aim is to reduce offending, protect victims and make neighbourhoods feel safer.|Providers must have robust safeguarding and information-sharing arrangements with the police.|Outcomes will be reported to the community safety partnership each quarter.
opportunity|The contract supports the aim of widening access to good education, training and careers.|Providers will work closely with schools, colleges, families and local support services.|The programme aims to improve attainment, attendance and progression into further learning.|Safeguarding of children, young people and vulnerable learners is a core requirement of the contract.
health|The service supports the joint health and wellbeing strategy and the shift of care from hospital into the community.|Providers must hold the registrations required for the regulated activities involved.|The aim is to cut waiting times, prevent avoidable admissions and improve patient outcomes.|Performance will be monitored against agreed quality and safety indicators.
none|The contract will support the organisation's day-to-day corporate functions.|Full requirements are set out in the specification and pricing schedule.|The buyer is looking for value for money and a reliable, responsive service.|Orders will be placed as required and no minimum volume is guaranteed.
process|The contract will run for {months} months with an option to extend by up to {ext} months.|TUPE may apply to this contract.|Tender documents are available through the buyer's e-tendering portal.|The estimated value covers the full term including any extension periods.|Clarification questions must be submitted through the portal before the deadline.|Interested suppliers are invited to a market engagement session before the tender is issued.
sv|The successful supplier will be expected to offer apprenticeships and training places for local people.|Bidders must provide a Carbon Reduction Plan setting out their commitment to net zero.|Social value commitments, including local employment and supply-chain spend with SMEs, will be evaluated and monitored.|All staff working on the contract must be paid at least the Real Living Wage.|The supplier will report each quarter on social value outcomes such as local jobs created and volunteering hours.|Tenderers should support local employment by advertising vacancies through the council's jobs service.
sv-criterion|Bidders will be scored on specific, measurable social value commitments relevant to the contract and its locality.
cb|Community Benefits: the successful supplier will be expected to deliver community benefits proportionate to the contract, which may include {} and {}.
cb-item|targeted recruitment and training for economically inactive people|apprenticeships for young people in the region|work experience for local school pupils|supply-chain opportunities for small businesses and supported businesses|volunteering support for community groups|measures to cut carbon emissions from delivery journeys
no-cb|No community benefit requirements are included in this contract because of its low value and short duration.|No community benefit requirements are included in this contract because the buyer does not consider them proportionate to this requirement.|No community benefit requirements are included in this contract because the specialist market offers no proportionate opportunity.
quality|Quality|Technical Proposal|Service Delivery|Methodology and Approach
price|Price|Commercial|Whole-life Cost
stem|Amber|Brindle|Corran|Dunmer|Elsing|Fallow|Hollin|Kestrel|Larch|Marram|Orrin|Pennel|Rowan|Sallow|Tarn|Umber|Vellan|Whin|Yarrow|Brack|Cinder|Heron|Linnet|Plover|Alder|Bramble|Ember|Harrier|North|East|West|South|River|Marsh
suffix|moor|dale|ford|ham|ton|bury|field|wick|stead|combe|worth|hurst|bridge|mere|vale|shire|side|ley|by|thorpe
welsh-stem|Aber|Llan|Pen|Cwm|Bryn|Glyn|Tre|Caer|Nant|Rhos
welsh-suffix|wennol|haf|eryr|celyn|derw|onnen|garreg|fedw|elin|ysgaw
C|{} Borough Council|{} District Council|{} City Council|{} County Council|{} Metropolitan Borough Council|{} Town Council|Royal Borough of {}|{} Council
N|{} NHS Foundation Trust|{} Hospitals NHS Trust|NHS {} Integrated Care Board|{} Community Healthcare NHS Trust|{} Mental Health NHS Foundation Trust
P|{} Police|{} Constabulary|Police and Crime Commissioner for {}|{} Community Safety Partnership|{} Youth Justice Service
E|{} Academy Trust|{} Learning Partnership|{} College|{} Multi-Academy Trust|{} Schools Trust|University of {}
O|{} Homes|{} Housing Association|{} Combined Authority|{} Transport Partnership|{} Development Corporation|{} Shared Services
welsh-C|{} County Borough Council|{} County Council|{} Town Council
welsh-N|{} University Health Board|{} Health Board
welsh-P|{} Police|{} Youth Justice Service
welsh-E|{} College|{} Schools Partnership
welsh-O|{} Housing Association|{} Homes|{} Regional Partnership
surname|Ashworth|Bramley|Calloway|Denholm|Everard|Fairbairn|Garside|Hollings|Ibbotson|Jessop|Kershaw|Lumley|Metcalfe|Nettleton|Ormerod|Pickles|Quarmby|Rushworth|Sowerby|Thwaite|Uttley|Varley|Wadsworth|Yeadon|Crabtree|Dobson|Entwistle|Fothergill|Greenhalgh|Hepworth
legal|Ltd|Ltd|Limited|Limited|plc|Group Ltd|UK Ltd|Ltd
legal-vcse|CIC|Community Interest Company|Trust|Foundation
sector-transport|Travel|Coaches|Transport|Passenger Services|Cars
sector-care|Care|Care Services|Healthcare|Support|Homecare|Wellbeing
sector-medical|Medical|Diagnostics|Imaging|Surgical|Healthcare Supplies
sector-security|Security|Surveillance|Safety Systems|Technologies|Vision
sector-construction|Construction|Builders|Contractors|Civil Engineering|Developments|Building Services
sector-energy|Energy|Renewables|Solar|Heating|Power|Retrofit
sector-education|Learning|Training|Education|Skills|Nurseries
sector-digital|Networks|Digital|Fibre|IT Solutions|Telecom|Computing
sector-professional|Consulting|Advisory|Associates|Partners|Solutions
sector-facilities|Facilities|Cleaning|Catering|Grounds Care|Services
sector-supplies|Supplies|Office Supplies|Stationers|Print|Direct
sector-vehicles|Fleet|Motors|Vehicle Solutions|Conversions""".splitlines())}
_WHO = {"services": "provider", "works": "contractor", "goods": "supplier"}
_METHODS = (("open", "Open procedure"), ("open", "Open procedure"), ("selective", "Restricted procedure"),
            ("limited", "Negotiated procedure"), ("direct", "Direct award"))
_FTS_METHODS = (("open", "Open procedure"), ("selective", "Competitive flexible procedure"),
                ("open", "Below threshold - open competition"))


class Template(NamedTuple):
    """One kind of invented notice: mission, category, value range (GBP), buyer kinds, supplier sector, wording, CPV."""

    key: str
    mission: str
    category: str
    lo: float
    hi: float
    kinds: str
    sector: str
    titles: tuple[str, ...]
    cpv: tuple[str, ...]
    what: str
    details: tuple[str, ...]


class Label(NamedTuple):
    """What the generator meant a process to be: ground truth for demos and alignment checks."""

    mission: str
    template: str
    social_value: bool
    shape: str


Buyer = NamedTuple("Buyer", [  # noqa: UP014  (compact: internal records)
    ("name", str), ("kind", str), ("place", str), ("region", int), ("itl", str), ("ppon", str), ("cfs", str),
    ("email", str)])
Supplier = NamedTuple("Supplier", [  # noqa: UP014
    ("name", str), ("sector", str), ("coh", str), ("chc", str), ("ppon", str), ("cfs", str), ("sme", bool),
    ("vcse", bool), ("name_only", bool)])
_Pools = NamedTuple("_Pools", [  # noqa: UP014
    ("buyers", dict), ("welsh", dict), ("suppliers", list), ("by_sector", dict), ("by_mission", dict)])
TEMPLATES = tuple(
    Template(k, m, cat, float(lo), float(hi), kinds, sector, tuple(ti.split(";")), tuple(cpv.split()), what,
             tuple(det.split(";")))
    for k, m, cat, lo, hi, kinds, sector, ti, cpv, what, det in (row.split("|") for row in _TEMPLATES_TEXT.splitlines())
)


def _ppon(rng: random.Random) -> str:
    """An invented identifier in the shape of a Procurement Act PPON."""
    letters = "ABCDEFGHJKLMNPQRSTVWXYZ"
    return f"P{''.join(rng.choices(letters, k=3))}-{rng.randint(1000, 9999)}-{''.join(rng.choices(letters, k=4))}"


@lru_cache(maxsize=1)
def _pools() -> _Pools:
    """Build the fixed pools of invented buyers (300 per kind) and suppliers (2000); the same for every seed."""
    rng, ph = random.Random(20250), _PHRASES
    compass = ("North", "East", "West", "South")
    places = [s + x for s in ph["stem"] for x in ph["suffix"]
              if s[-1] != x[0] and not (s in compass and x in ("shire", "ham", "ton", "by", "ley"))]
    welsh_places = [s + x for s in ph["welsh-stem"] for x in ph["welsh-suffix"]]
    english = [i for i in range(len(_REGIONS)) if i != _WALES]
    cfs = itertools.count(10001, 7)
    buyers: dict[str, list[Buyer]] = {}
    for kind in "CNPEO":
        made: dict[str, Buyer] = {}
        for wales, pool, count in ((False, places, 270), (True, welsh_places, 30)):
            for place in rng.sample(pool, count):
                region = _WALES if wales else rng.choice(english)
                email = f"{rng.choice(('procurement', 'tenders', 'commercial'))}@{place.lower()}-{kind.lower()}.example"
                name = rng.choice(ph["welsh-" + kind if wales else kind]).format(place)
                itl = rng.choice(_REGIONS[region][2])
                made.setdefault(name, Buyer(name, kind, place, region, itl, _ppon(rng), f"GB-CFS-{next(cfs)}", email))
        buyers[kind] = list(made.values())
    sectors = sorted(k[7:] for k in ph if k.startswith("sector-"))
    suppliers: dict[str, Supplier] = {}
    while len(suppliers) < 2000:
        sector, x, vcse = rng.choice(sectors), rng.random(), rng.random() < .1
        surname = rng.choice(ph["surname"])
        base = surname if x < .35 else f"{surname} & {rng.choice(ph['surname'])}" if x < .5 else rng.choice(places)
        legal = rng.choice(ph["legal-vcse" if vcse else "legal"])
        legal = "LLP" if sector == "professional" and legal == "UK Ltd" else legal
        name = f"{base} {rng.choice(ph['sector-' + sector])} {legal}"
        coh = f"0{rng.randint(1000000, 9999999)}" if legal not in ("Trust", "Foundation") and rng.random() < .6 else ""
        chc = str(rng.randint(200000, 1199999)) if vcse and not coh else ""
        sme, name_only = vcse or rng.random() < .55, not (coh or chc) and rng.random() < .6
        ppon, cfs_id = _ppon(rng), f"GB-CFS-{next(cfs)}"
        suppliers.setdefault(name, Supplier(name, sector, coh, chc, ppon, cfs_id, sme, vcse, name_only))
    sup = list(suppliers.values())
    return _Pools(buyers, {k: [b for b in v if b.region == _WALES] for k, v in buyers.items()}, sup,
                  {s: [x for x in sup if x.sector == s] for s in sectors},
                  {m: [t for t in TEMPLATES if t.mission == m] for m in (*MISSIONS, NONE)})


@lru_cache(maxsize=16384)
def _day(ordinal: int) -> str:
    """ISO date for a proleptic ordinal (cached: dates repeat a lot)."""
    return date.fromordinal(ordinal).isoformat()


_TIMES = tuple(f"{h:02d}:{m:02d}:{s:02d}" for h in range(7, 20)
               for m in (0, 7, 13, 21, 34, 42, 55) for s in (3, 19, 48))
_SHAPES = ("cf",) * 10 + ("fts",) * 7 + ("s2w",) * 3
_MULTI = (("tender", "award"),) * 3 + (("planning", "tender"), ("planning", "tender", "award"))
_SINGLE = (("tender",),) * 31 + (("award",),) * 14 + (("planning",),) * 5
_MONTHS = {"services": (12, 24, 36, 36, 48, 60), "works": (3, 6, 9, 12, 18, 24), "goods": (1, 6, 12, 24, 36)}
_LOTS = (1, 1, 1, 1, 1, 1, 1, 2, 2, 3)
_SV_RATE = {"cf": .25, "fts": .30, "s2w": .50}
_SEP = {"cf": "\r\n\r\n", "fts": "\n", "s2w": "\n\n"}
_STATUS = {"planning": "planning", "tender": "active", "award": "complete"}
_PCT = "percentageExact"
# per template, openers and titles with the fixed words filled in: "{0}" is the buyer, "{1}" the place, "{2}" the year
_T_OPENERS = {t.key: tuple(o.replace("{who}", _WHO[t.category]).replace("{what}", t.what).replace("{buyer}", "{0}")
                           .replace("{place}", "{1}") for o in _PHRASES["opener"]) for t in TEMPLATES}
_T_TITLES = {t.key: tuple(x.replace("{place}", "{1}").replace("{year}", "{2}") for x in t.titles) for t in TEMPLATES}


def _money(amount: float, gross: bool = False) -> dict:
    """An OCDS Value in pounds, with the VAT-inclusive gross figure Find a Tender adds."""
    if gross:
        return {"amountGross": round(amount * 1.2, 2), "amount": amount, "currency": "GBP"}
    return {"amount": amount, "currency": "GBP"}


def _cpv(code: str, label: bool = True) -> dict:
    """A CPV classification, with or without its label (publishers differ)."""
    return {"scheme": "CPV", "id": code, "description": _CPV[code]} if label else {"id": code, "scheme": "CPV"}


class _Proc:
    """The facts of one invented contracting process, shared by the releases built from it."""

    __slots__ = ("ad", "award_value", "b", "bits", "build", "ce", "codes", "cs", "desc", "label", "method",
                 "method_details", "n_lots", "ocid", "parties", "q", "sme", "sv", "t", "t_day", "te", "title",
                 "ts", "value", "vcse", "winners")


def _process(rng: random.Random, P: _Pools, anchor: int, serial: Iterator[int]) -> tuple[_Proc, list]:
    """One invented contracting process and its releases to come, as (day ordinal, stage, serial number)."""
    r = rng.random
    x = r()
    mission = NONE if x < .35 else MISSIONS[min(4, int((x - .35) / .13))]
    seq: Sequence = P.by_mission[mission]
    t = seq[int(r() * len(seq))]
    shape = _SHAPES[int(r() * 20)]
    seq = (P.welsh if shape == "s2w" else P.buyers)[t.kinds[int(r() * len(t.kinds))]]
    b = seq[int(r() * len(seq))]
    stages = _MULTI[int(r() * 5)] if r() < .25 else _SINGLE[int(r() * 50)]
    c = _Proc()
    c.t, c.b, c.bits, c.sme, c.vcse, c.parties = t, b, rng.getrandbits(64), r() < .6, r() < .3, r() < .5
    c.q = (40, 50, 60, 70)[int(r() * 4)]
    c.t_day = t_day = anchor + (30 + int(r() * 90) if stages[0] == "planning" else 0)
    t_end = t_day + 14 + int(r() * 32)  # tender period, then award decision, award notice and contract start
    a_day = t_end + 7 + int(r() * 54)
    c_start = a_day + 14 + int(r() * 47)
    seq = _MONTHS[t.category]
    months = seq[int(r() * len(seq))]
    days = {"planning": anchor, "tender": t_day, "award": a_day + 1 + int(r() * 21)}
    c.ts, c.te, c.ad, c.cs = _day(t_day), _day(t_end), _day(a_day), _day(c_start)
    c.ce = _day(c_start + months * 30 + 29)
    x = r()  # value: log-uniform in the template's range; some missing, some zero, half rounded
    v = None if x < .12 else 0 if x < .15 else int(t.lo * (t.hi / t.lo) ** r())
    if v and r() < .5:
        v = int(round(v, -3)) or v
    c.value = v
    c.award_value = int(v * (.75 + .27 * r())) if v else v if v == 0 else int(t.lo * (t.hi / t.lo) ** r())
    title = _T_TITLES[t.key][int(r() * 3)]
    title = title.format(b.name, b.place, c.ts[:4]) if "{" in title else title
    c.title = title.upper() if r() < .1 else title
    i = int(r() * 4)
    text = _T_OPENERS[t.key][int(r() * 6)].format(b.name, b.place) + " " + t.details[i]
    if r() < .5:
        text += " " + t.details[(i + 1 + int(r() * 3)) % 4]
    sep = _SEP[shape]
    if r() < .6:
        text += sep + _PHRASES[mission][int(r() * 4)]
        if r() < .5:
            text += " " + _PHRASES["process"][int(r() * 6)].format(months=months, ext=(12, 24)[r() < .3])
    c.sv = sv = r() < _SV_RATE[shape]
    if shape == "s2w":
        if sv:
            i, items = int(r() * 6), _PHRASES["cb-item"]
            text += sep + _PHRASES["cb"][0].format(items[i], items[(i + 1 + int(r() * 5)) % 6])
        elif r() < .2:
            text += sep + _PHRASES["no-cb"][int(r() * 3)]
    elif sv and (shape == "cf" or r() < .5):
        i = int(r() * 6)
        text += sep + _PHRASES["sv"][i] + (" " + _PHRASES["sv"][(i + 1 + int(r() * 5)) % 6] if r() < .4 else "")
    c.desc, c.codes = text, t.cpv[: 1 + int(r() * len(t.cpv))]
    c.method, c.method_details = _FTS_METHODS[int(r() * 3)] if shape == "fts" else _METHODS[int(r() * 5)]
    c.n_lots = _LOTS[int(r() * 10)] if shape == "fts" else 1
    seq = P.by_sector[t.sector] if r() < .85 else P.suppliers  # one winner per lot; several for a fifth (frameworks)
    c.winners = [[seq[int(r() * len(seq))]] for _ in range(c.n_lots)]
    for w in c.winners:
        if r() < .2:
            w[:] = dict.fromkeys(w + [seq[int(r() * len(seq))] for _ in range(1 + int(r() * 3))])
    if shape == "cf":
        h = f"{rng.getrandbits(128):032x}"
        ident = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    else:
        ident = f"{next(serial):06x}" if shape == "fts" else str(next(serial))  # unique, like the real sequences
    c.ocid, c.label = f"{OCID_PREFIX}{shape}-{ident}", (mission, t.key, sv, shape)
    c.build = _cf if shape == "cf" else _fts if shape == "fts" else _s2w
    return c, [(days[s], s, next(serial)) for s in stages]


def _cf(c: _Proc, stage: str, day: int, serial: int) -> dict:
    """A release in the style of Contracts Finder (inline buyer, CPV items, suitability, region names)."""
    b, ocid = c.b, c.ocid
    region = _REGIONS[b.region][0]
    tender = {"id": f"CF-{ocid[-12:]}", "title": c.title, "description": c.desc, "status": _STATUS[stage],
              "classification": _cpv(c.codes[0]),
              "items": [{"id": str(i), "classification": _cpv(code),
                         "deliveryAddresses": [{"region": region, "countryName": "United Kingdom"}]}
                        for i, code in enumerate(c.codes, 1)],
              "procurementMethod": c.method, "procurementMethodDetails": c.method_details,
              "mainProcurementCategory": c.t.category,
              "contractPeriod": {"startDate": c.cs + "T00:00:00Z", "endDate": c.ce + "T23:59:59Z"},
              "suitability": {"sme": c.sme, "vcse": c.vcse}}
    if c.value is not None:
        tender["value"] = {"amount": c.value, "currency": "GBP"}
    if stage != "planning":
        tender["tenderPeriod"] = {"startDate": c.ts + "T00:00:00Z", "endDate": c.te + "T12:00:00Z"}
    notice = c.bits ^ serial * 0x9E3779B97F4A7C15 & (1 << 64) - 1  # a notice number that looks random
    rel = {"ocid": ocid, "id": f"{notice:016x}-{serial}", "language": "en",
           "date": f"{_day(day)}T{_TIMES[(c.bits + serial) % 273]}Z", "tag": [stage], "initiationType": "tender",
           "tender": tender, "buyer": {"id": b.cfs, "name": b.name}}
    if stage == "planning":
        rel["planning"] = {"milestones": [{"id": "1", "title": "Engagement end date", "type": "engagement",
                                           "dueDate": f"{_day(day + 21)}T23:59:59Z"}]}
    parties = [{"id": b.cfs, "name": b.name, "identifier": {"legalName": b.name},
                "address": {"locality": b.place, "countryName": "United Kingdom"}, "contactPoint": {"email": b.email},
                "roles": ["buyer"]}] if c.parties else []
    if stage == "award":
        refs = []
        for s in c.winners[0]:
            ref = {"name": s.name} if s.name_only else {"id": f"GB-COH-{s.coh}" if s.coh else s.cfs, "name": s.name}
            refs.append(ref)
            if c.parties and not s.name_only:
                details = {"scale": "sme" if s.sme else "large", "vcse": s.vcse}
                parties.append({**ref, "roles": ["supplier"], "details": details})
                if s.coh or s.chc:
                    scheme = "GB-COH" if s.coh else "GB-CHC"
                    parties[-1]["identifier"] = {"scheme": scheme, "id": s.coh or s.chc, "legalName": s.name}
        rel["awards"] = [{"id": f"{ocid}-1", "status": "active", "date": c.ad + "T00:00:00Z",
                          "datePublished": rel["date"],
                          "value": {"amount": c.award_value, "currency": "GBP"}, "suppliers": refs,
                          "contractPeriod": {"startDate": c.cs + "T00:00:00Z", "endDate": c.ce + "T23:59:59Z"}}]
    if parties:
        rel["parties"] = parties
    return rel


def _fts(c: _Proc, stage: str, day: int, serial: int) -> dict:
    """A release in the style of Find a Tender (parties with GB-PPON ids, buyer by reference, lots, criteria)."""
    b, n, v, q, sv, ocid = c.b, c.n_lots, c.value, c.q, c.sv, c.ocid
    ds = _day(day)
    tz = "+01:00" if "04" <= ds[5:7] <= "10" else "+00:00"  # roughly British Summer Time
    bid, end = f"GB-PPON-{b.ppon}", c.ce + "T23:59:59" + tz
    buyer = {"name": b.name, "id": bid, "identifier": {"scheme": "GB-PPON", "id": b.ppon}, "roles": ["buyer"],
             "address": {"locality": b.place, "country": "GB", "countryName": "United Kingdom", "region": b.itl},
             "contactPoint": {"email": b.email}}
    if b.kind in "CPE":
        buyer["details"] = {"classifications": [{"scheme": "UK_CA_TYPE", "id": "publicAuthoritySubCentralGovernment",
                                                 "description": "Public authority - sub-central government"}]}
    lots, items = [], []
    for i in range(1, n + 1):
        crit = [{"type": "quality", "name": _PHRASES["quality"][(q // 10 + i) % 4],
                 "numbers": [{"number": q - 10 * sv, "weight": _PCT}]},
                {"type": "price", "name": _PHRASES["price"][q % 3], "numbers": [{"number": 100 - q, "weight": _PCT}]}]
        if sv:
            crit.append({"type": "quality", "name": "Social Value", "description": _PHRASES["sv-criterion"][0],
                         "numbers": [{"number": 10, "weight": _PCT}]})
        lot = {"id": str(i), "status": "complete" if stage == "award" else "active",
               "awardCriteria": {"criteria": crit},
               "contractPeriod": {"startDate": c.cs + "T00:00:00Z", "endDate": end}}
        if n > 1:
            lot["title"] = f"Lot {i} - {('North', 'South', 'Central')[i - 1]}"
        if v is not None:
            lot["value"] = _money(v // n, True)
        lots.append(lot)
        items.append({"id": str(i), "additionalClassifications": [_cpv(code) for code in c.codes], "relatedLot": str(i),
                      "deliveryAddresses": [{"region": b.itl, "country": "GB", "countryName": "United Kingdom"}]})
    tender = {"id": ocid, "title": c.title, "description": c.desc, "items": items,
              "status": "planned" if stage == "planning" else _STATUS[stage],
              "procurementMethod": c.method, "procurementMethodDetails": c.method_details,
              "mainProcurementCategory": c.t.category, "aboveThreshold": bool(v and v > _FTS_THRESHOLD), "lots": lots}
    if c.t_day >= _PA2023_FROM:
        tender["legalBasis"] = dict(_PA2023)
    if v is not None:
        tender["value"] = _money(v, True)
    if stage != "planning":
        tender["tenderPeriod"] = {"endDate": c.te + "T12:00:00" + tz}
    rel = {"ocid": ocid, "id": f"{serial:06d}-{ds[:4]}", "tag": ["award", "contract"] if stage == "award" else [stage],
           "date": f"{ds}T{_TIMES[(c.bits + serial) % 273]}{tz}", "initiationType": "tender", "parties": [buyer],
           "buyer": {"id": bid, "name": b.name}, "tender": tender, "language": "en"}
    if stage == "award":
        rel["awards"], seen = [], {bid}
        for i, sups in enumerate(c.winners, 1):
            refs = [{"id": f"GB-COH-{s.coh}" if s.coh else f"GB-PPON-{s.ppon}", "name": s.name} for s in sups]
            rel["awards"].append({"id": str(i), "title": c.title if n == 1 else f"{c.title} - Lot {i}",
                                  "status": "active", "date": c.ad + "T00:00:00" + tz,
                                  "value": _money(c.award_value // n, True), "suppliers": refs,
                                  "contractPeriod": {"startDate": c.cs + "T00:00:00Z", "endDate": end},
                                  "relatedLots": [str(i)]})
            for s, ref in zip(sups, refs):
                if ref["id"] not in seen:
                    seen.add(ref["id"])
                    ident = {"scheme": "GB-COH", "id": s.coh} if s.coh else {"scheme": "GB-PPON", "id": s.ppon}
                    details = {"scale": "sme" if s.sme else "large", "vcse": s.vcse}
                    rel["parties"].append({**ref, "identifier": ident, "roles": ["supplier"], "details": details})
    return rel


def _s2w(c: _Proc, stage: str, day: int, serial: int) -> dict:
    """A release in the style of Sell2Wales (local party ids, unlabelled CPV, community benefits wording)."""
    b, ocid = c.b, c.ocid
    parties = [{"name": b.name, "id": "org-1", "identifier": {"legalName": b.name}, "roles": ["buyer"],
                "address": {"locality": b.place, "region": b.itl}, "contactPoint": {"email": b.email}}]
    extra = [_cpv(code, False) for code in c.codes[1:]] or [_cpv(c.codes[0], False)]
    period = {"startDate": c.cs + "T00:00:00Z", "endDate": c.ce + "T00:00:00Z"}
    tender = {"id": f"{ocid}-tender-{ocid[17:]}", "title": c.title, "description": c.desc, "status": _STATUS[stage],
              "items": [{"id": "1", "additionalClassifications": extra, "relatedLot": "1",
                         "deliveryAddresses": [{"region": "UKL" if c.sme else b.itl}]}],
              "procurementMethod": c.method, "procurementMethodDetails": c.method_details,
              "mainProcurementCategory": c.t.category, "classification": _cpv(c.codes[0], False),
              "lots": [{"id": "1", "status": "complete" if stage == "award" else "active", "contractPeriod": period}]}
    if c.value is not None:
        tender["value"] = {"amount": float(c.value), "currency": "GBP"}
    if stage != "planning":
        tender["tenderPeriod"] = {"endDate": c.te + "T12:00:00Z"}
    rel = {"id": f"{ocid}-release-{serial}", "ocid": ocid, "date": f"{_day(day)}T00:00:00Z", "tag": [stage],
           "initiationType": "tender", "parties": parties, "buyer": {"name": b.name, "id": "org-1"}, "tender": tender,
           "language": "en"}
    if stage == "award":
        refs = [{"id": f"org-{k}", "name": s.name} for k, s in enumerate(c.winners[0], 2)]
        parties += [{**ref, "identifier": {"legalName": s.name}, "roles": ["supplier"],
                     "details": {"scale": "sme" if s.sme else "large"}} for s, ref in zip(c.winners[0], refs)]
        rel["awards"] = [{"id": f"{ocid}-award-1", "status": "active", "date": c.ad + "T00:00:00Z", "suppliers": refs,
                          "value": {"amount": float(c.award_value), "currency": "GBP"}, "contractPeriod": dict(period)}]
    return rel


def _generate(n: int, seed: int, start: date | None) -> Iterator[tuple[tuple, dict]]:
    """Yield ``n`` (label fields, release) pairs in date order; later stages wait in a heap, built when due."""
    rng, pools = random.Random(seed), _pools()
    base = (start or date(2019, 1, 1)).toordinal()
    step = _SPAN_DAYS / max(1.0, n / _MEAN_RELEASES)
    serial = itertools.count(1)
    heap: list[tuple[int, int, str, _Proc]] = []
    emitted = i = 0
    while emitted < n:
        anchor = base + int(i * step)
        i += 1
        c, stages = _process(rng, pools, anchor, serial)
        for day, stage, number in stages:
            heapq.heappush(heap, (day, number, stage, c))
        while heap and heap[0][0] <= anchor and emitted < n:
            day, number, stage, c = heapq.heappop(heap)
            emitted += 1
            yield c.label, c.build(c, stage, day, number)


def generate_releases(n: int, seed: int = 0, *, start: date | None = None) -> Iterator[dict]:
    """Yield ``n`` invented OCDS 1.1 releases in date order, deterministic for ``(n, seed, start)``."""
    for _, rel in _generate(n, seed, start):
        yield rel


def generate_labelled(n: int, seed: int = 0, *, start: date | None = None) -> Iterator[tuple[Label, dict]]:
    """Like ``generate_releases``, each release paired with the :class:`Label` of its contracting process."""
    for fields, rel in _generate(n, seed, start):
        yield Label(*fields), rel


def demo_package_metadata(n: int | None = None, seed: int = 0) -> dict:
    """Package metadata that marks the data as invented."""
    return {"publisher": {"name": "missionkg demo data (invented, not real notices)"}, "license": None,
            "publicationPolicy": "Generated by missionkg demo-data; every notice is fictional.", "version": "1.1",
            "uri": "https://w3id.org/missionkg/demo/" + ("" if n is None else f"releases-{n}-seed-{seed}")}


def _dumps(obj: object) -> bytes:
    """Compact UTF-8 JSON (orjson when installed, else the standard library)."""
    if orjson is not None:
        return orjson.dumps(obj)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def write_demo(path: str | Path | None, n: int, seed: int = 0, *, shape: Shape = "jsonl",
               gzip: bool | None = None) -> int:
    """Write ``n`` invented releases as JSONL or a release/record package (``None``/``"-"``: stdout); return n."""
    if shape not in ("jsonl", "release-package", "record-package"):
        raise ValueError(f"unknown shape {shape!r}")
    stdout = path is None or str(path) == "-"
    if gzip is None:
        gzip = not stdout and str(path).endswith(".gz")
    releases, count, in_records = generate_releases(n, seed), 0, 0
    parts: Iterator[bytes] = map(_dumps, releases)
    if shape == "record-package":  # group serialised releases by OCID, in order of first appearance
        records: dict[str, list[bytes]] = {}
        for rel in releases:
            records.setdefault(rel["ocid"], []).append(_dumps(rel))
        parts = (b'{"ocid":' + _dumps(ocid) + b',"releases":[' + b",".join(r) + b"]}" for ocid, r in records.items())
        in_records = sum(map(len, records.values()))
    head, sep, tail = b"", b"\n", b"\n"
    if shape != "jsonl":
        meta = {**demo_package_metadata(n, seed), "publishedDate": f"{_day(_PUBLISHED)}T00:00:00Z"}
        head = _dumps(meta)[:-1] + (b',"releases":[\n' if shape == "release-package" else b',"records":[\n')
        sep, tail = b",\n", b"\n]}\n"
    with contextlib.ExitStack() as stack:
        if not stdout:
            Path(path).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
        raw: IO[bytes] = sys.stdout.buffer if stdout else stack.enter_context(open(path, "wb"))  # type: ignore
        out: IO[bytes] = raw
        if gzip:
            gz = _gz.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0)
            out = stack.enter_context(gz)  # type: ignore[arg-type]
        buf = bytearray(head)
        for count, part in enumerate(parts, 1):
            buf += part if count == 1 else sep + part
            if len(buf) > 1 << 20:
                out.write(buf)
                buf.clear()
        out.write(buf + tail if count or shape != "jsonl" else buf)
    if stdout:
        raw.flush()
    return in_records if shape == "record-package" else count
