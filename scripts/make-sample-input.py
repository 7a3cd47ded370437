#!/usr/bin/env python3
"""Generate data/input/companies_clay.csv: a fictional sample in the real Clay
"Find companies" export format (see shared/reference/clay-export-format.md).

Deterministic: everything comes from random.Random(7); no wall clock, no network.
Standard library only.  Run from anywhere:

    python3 scripts/make-sample-input.py

The companies are invented, except a few well-known healthcare-IT names and the
previous-customer domains; every description here was written for this sample.
"""

import csv
import math
import os
import random
import re
import sys

RNG = random.Random(7)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "data", "input", "companies_clay.csv")

HEADER = ["Find companies", "Name", "Description", "Primary Industry", "Size",
          "Type", "Location", "Country", "Domain", "LinkedIn URL"]

# LinkedIn size bands, in ascending order.  Counts sum to the row count (340) and
# follow the measured distribution of a real 2,463-row export (scaled), with the
# large bands bumped a little so the sales model has enough big accounts.
SIZE_BANDS = ["2-10 employees", "11-50 employees", "51-200 employees",
              "201-500 employees", "501-1,000 employees", "1,001-5,000 employees",
              "5,001-10,000 employees", "10,001+ employees"]
SIZE_COUNTS = {
    "Self-employed": 4,
    "2-10 employees": 69,
    "11-50 employees": 116,
    "51-200 employees": 86,
    "201-500 employees": 28,
    "501-1,000 employees": 12,
    "1,001-5,000 employees": 12,
    "5,001-10,000 employees": 5,
    "10,001+ employees": 6,
    "": 2,
}
TOTAL_ROWS = sum(SIZE_COUNTS.values())  # 340

# ---------------------------------------------------------------------------
# Places
# ---------------------------------------------------------------------------
US_CITIES = [
    ("Boulder", "Colorado", "CO"), ("Denver", "Colorado", "CO"), ("Colorado Springs", "Colorado", "CO"),
    ("Malvern", "Pennsylvania", "PA"), ("Pittsburgh", "Pennsylvania", "PA"), ("Philadelphia", "Pennsylvania", "PA"),
    ("Allentown", "Pennsylvania", "PA"), ("Houston", "Texas", "TX"), ("Dallas", "Texas", "TX"),
    ("Austin", "Texas", "TX"), ("San Antonio", "Texas", "TX"), ("El Paso", "Texas", "TX"),
    ("McAllen", "Texas", "TX"), ("Plano", "Texas", "TX"), ("Miami", "Florida", "FL"),
    ("Tampa", "Florida", "FL"), ("Orlando", "Florida", "FL"), ("Jacksonville", "Florida", "FL"),
    ("Naples", "Florida", "FL"), ("Boca Raton", "Florida", "FL"), ("Sarasota", "Florida", "FL"),
    ("Atlanta", "Georgia", "GA"), ("Savannah", "Georgia", "GA"), ("Macon", "Georgia", "GA"),
    ("Chicago", "Illinois", "IL"), ("Naperville", "Illinois", "IL"), ("Peoria", "Illinois", "IL"),
    ("Columbus", "Ohio", "OH"), ("Cleveland", "Ohio", "OH"), ("Cincinnati", "Ohio", "OH"),
    ("Detroit", "Michigan", "MI"), ("Ann Arbor", "Michigan", "MI"), ("Grand Rapids", "Michigan", "MI"),
    ("Phoenix", "Arizona", "AZ"), ("Scottsdale", "Arizona", "AZ"), ("Tucson", "Arizona", "AZ"),
    ("Mesa", "Arizona", "AZ"), ("Los Angeles", "California", "CA"), ("San Diego", "California", "CA"),
    ("San Francisco", "California", "CA"), ("Sacramento", "California", "CA"), ("Fresno", "California", "CA"),
    ("Irvine", "California", "CA"), ("Oakland", "California", "CA"), ("New York", "New York", "NY"),
    ("Brooklyn", "New York", "NY"), ("Buffalo", "New York", "NY"), ("Rochester", "New York", "NY"),
    ("Boston", "Massachusetts", "MA"), ("Worcester", "Massachusetts", "MA"), ("Nashville", "Tennessee", "TN"),
    ("Memphis", "Tennessee", "TN"), ("Knoxville", "Tennessee", "TN"), ("Charlotte", "North Carolina", "NC"),
    ("Raleigh", "North Carolina", "NC"), ("Durham", "North Carolina", "NC"), ("Columbia", "South Carolina", "SC"),
    ("Greenville", "South Carolina", "SC"), ("Birmingham", "Alabama", "AL"), ("Mobile", "Alabama", "AL"),
    ("Jackson", "Mississippi", "MS"), ("New Orleans", "Louisiana", "LA"), ("Baton Rouge", "Louisiana", "LA"),
    ("Lafayette", "Louisiana", "LA"), ("Little Rock", "Arkansas", "AR"), ("Tulsa", "Oklahoma", "OK"),
    ("Oklahoma City", "Oklahoma", "OK"), ("Kansas City", "Missouri", "MO"), ("St. Louis", "Missouri", "MO"),
    ("Omaha", "Nebraska", "NE"), ("Des Moines", "Iowa", "IA"), ("Minneapolis", "Minnesota", "MN"),
    ("St. Paul", "Minnesota", "MN"), ("Milwaukee", "Wisconsin", "WI"), ("Madison", "Wisconsin", "WI"),
    ("Indianapolis", "Indiana", "IN"), ("Fort Wayne", "Indiana", "IN"), ("Louisville", "Kentucky", "KY"),
    ("Lexington", "Kentucky", "KY"), ("Richmond", "Virginia", "VA"), ("Arlington", "Virginia", "VA"),
    ("Baltimore", "Maryland", "MD"), ("Bethesda", "Maryland", "MD"), ("Newark", "New Jersey", "NJ"),
    ("Princeton", "New Jersey", "NJ"), ("Hartford", "Connecticut", "CT"), ("Providence", "Rhode Island", "RI"),
    ("Portland", "Oregon", "OR"), ("Eugene", "Oregon", "OR"), ("Seattle", "Washington", "WA"),
    ("Spokane", "Washington", "WA"), ("Yakima", "Washington", "WA"), ("Boise", "Idaho", "ID"),
    ("Salt Lake City", "Utah", "UT"), ("Lehi", "Utah", "UT"), ("Las Vegas", "Nevada", "NV"),
    ("Reno", "Nevada", "NV"), ("Albuquerque", "New Mexico", "NM"), ("Anchorage", "Alaska", "AK"),
    ("Honolulu", "Hawaii", "HI"), ("Wilmington", "Delaware", "DE"), ("Manchester", "New Hampshire", "NH"),
    ("Burlington", "Vermont", "VT"), ("Portland", "Maine", "ME"), ("Charleston", "West Virginia", "WV"),
    ("Fargo", "North Dakota", "ND"), ("Sioux Falls", "South Dakota", "SD"), ("Billings", "Montana", "MT"),
    ("Cheyenne", "Wyoming", "WY"), ("Wichita", "Kansas", "KS"),
]
AREA_CODES = [212, 303, 312, 404, 469, 480, 512, 602, 615, 704, 713, 813, 816, 904, 918, 919, 952, 614, 317, 502]

FIRST_NAMES = ["Maria", "James", "Angela", "Robert", "Linda", "Darnell", "Priya", "Kevin", "Sofia", "Grace",
               "Michael", "Tanya", "Luis", "Denise", "Samuel", "Keisha", "Ahmed", "Rebecca", "Thomas", "Mei"]
SURNAMES = ["Abernathy", "Okafor", "Nguyen", "Patel", "Hernández", "Kowalski", "Adeyemi", "Johnson",
            "Delgado", "Whitfield", "Castillo", "O’Brien", "Mensah", "Lindqvist", "Ramirez", "Chen",
            "Goldberg", "Washington", "Fitzgerald", "Haddad", "Morrison", "Baptiste", "Sullivan", "Kaur"]


def pick(lst):
    return lst[RNG.randrange(len(lst))]


def wpick(pairs):
    """Weighted pick from [(value, weight), ...]."""
    total = sum(w for _, w in pairs)
    x = RNG.random() * total
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def phone():
    return "(%d) 555-01%02d" % (pick(AREA_CODES), RNG.randrange(100))


def us_place(city=None):
    c = city or pick(US_CITIES)
    return {"city": c[0], "state": c[1], "abbr": c[2], "country": "United States"}


def format_location(p, style=None):
    if style is None:
        style = wpick([("full", 60), ("abbr", 28), ("city", 7), ("empty", 5)])
    if style == "full":
        return "%s, %s" % (p["city"], p["state"])
    if style == "abbr":
        return "%s, %s" % (p["city"], p["abbr"])
    if style == "city":
        return p["city"]
    return ""


# ---------------------------------------------------------------------------
# Names, domains, LinkedIn slugs
# ---------------------------------------------------------------------------
USED_NAMES = set()
USED_DOMAINS = set()
USED_SLUGS = set()
ASCII_MAP = str.maketrans({"á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u", "ñ": "n", "ë": "e",
                           "ü": "u", "ö": "o", "ä": "a", "ç": "c", "è": "e", "’": "", "'": ""})
STOP = {"llc", "inc", "of", "the", "and", "pllc", "pc", "co", "ltd", "gmbh", "pvt"}


def slug_words(name):
    s = name.lower().translate(ASCII_MAP).replace("&", " ")
    return [w for w in re.split(r"[^a-z0-9]+", s) if w]


def unique_name(make):
    for _ in range(200):
        n = make()
        if n not in USED_NAMES:
            USED_NAMES.add(n)
            return n
    raise RuntimeError("name space exhausted")


HH_TLDS = (("com", 78), ("net", 7), ("org", 6), ("us", 3), ("care", 4), ("health", 2))


def make_domain(name, tlds=(("com", 88), ("net", 7), ("us", 3), ("co", 2))):
    words = [w for w in slug_words(name) if w not in STOP]
    cands = []
    base = "".join(words)
    tld = wpick(list(tlds))
    cands.append(base + "." + tld)
    if len(words) >= 3:
        # abbreviate the trailing generic words: "caringheartshomehealth" -> "caringheartshh"
        cands.append("".join(words[:2]) + "".join(w[0] for w in words[2:]) + "." + tld)
    cands.append(base + ".com")
    cands.append(base + "inc.com")
    cands.append("get" + base + ".com")
    for c in cands:
        if c not in USED_DOMAINS:
            USED_DOMAINS.add(c)
            return c
    raise RuntimeError("domain collision for " + name)


def make_slug(name, hint=None):
    base = "-".join(slug_words(hint or name))[:60].strip("-") or "company"
    cands = [base, base + "-llc", base + "-inc", base + "-%d" % RNG.randrange(2, 99)]
    if RNG.random() < 0.04:  # LinkedIn pages created without a vanity name use the numeric id
        cands.insert(0, str(RNG.randrange(10_000_000, 99_999_999)))
    for c in cands:
        if c not in USED_SLUGS:
            USED_SLUGS.add(c)
            return c
    raise RuntimeError("slug collision for " + name)


def li(slug):
    return "https://www.linkedin.com/company/" + slug


# ---------------------------------------------------------------------------
# Description text
# ---------------------------------------------------------------------------
# Technology sentences.  Only the archetypes that would plausibly say these use them.
EDI_RCM = [
    "We submit clean 837P and 837I claims through our clearinghouse partners and post 835 remittance files the same day they arrive.",
    "Real-time 270/271 eligibility checks run before every visit, so your front desk knows copays, deductibles and coverage before the patient is roomed.",
    "Our A/R team works 276/277 claim status responses daily and follows up on every denial within 48 hours.",
    "We handle 278 prior authorization requests for imaging, DME and specialty drugs across commercial, Medicare Advantage and Medicaid managed care payers.",
    "Experienced with Availity, Waystar, Change Healthcare, TriZetto and Office Ally, plus direct payer connections where they make sense.",
    "We take care of X12 EDI enrollment, ERA/EFT setup and payer credentialing so cash starts flowing in weeks, not months.",
    "Since the Change Healthcare outage we have kept redundant clearinghouse connections in place for every client.",
    "Clean-claim rate above 98% and first-pass resolution that beats MGMA benchmarks — measured on every 837 we send.",
]
EDI_HIT = [
    "{name} connects to more than 2,500 payers over X12 EDI and turns 270/271 eligibility, 276/277 claim status and 835 remittance into clean JSON.",
    "Our clearinghouse-agnostic platform routes 837 claims through Availity, Waystar or Change Healthcare and automatically fixes and resubmits rejections.",
    "Built for engineers: REST APIs and webhooks instead of SFTP batch drops and raw X12 files.",
    "Automated 278 prior authorization and real-time benefits checks cut days out of the intake process.",
    "We replaced a legacy clearinghouse for hundreds of practices and cut claim denials by 30% on average.",
    "Payer enrollment, ERA routing and 835 reconciliation are handled for you, so your billing team can focus on exceptions.",
    "Eligibility (270/271), claim status (276/277) and remittance (835) in one API — no more portal scraping.",
    "Integrates with Office Ally, TriZetto and Availity so you can keep your existing clearinghouse if you want to.",
]
FHIR_HIT = [
    "Native FHIR R4 APIs and HL7 v2 interfaces make it simple to connect to Epic, Cerner and athenahealth.",
    "SMART on FHIR apps launch from inside the EHR, so clinicians never have to leave their workflow.",
    "We ingest HL7 ADT, ORM and ORU feeds and expose them through a modern FHIR API.",
    "Pre-built integrations with Epic, Cerner, athenahealth, eClinicalWorks and NextGen go live in weeks.",
    "Our interoperability layer speaks HL7, FHIR and CCDA, and is HIPAA compliant and SOC 2 Type II audited.",
]
EHR_MENTIONS = [
    "We work inside your EHR, whether that is Epic, Cerner, athenahealth, eClinicalWorks, NextGen or Kareo.",
    "Our billers are certified on athenahealth, eClinicalWorks, NextGen and Kareo.",
    "Fully HIPAA-compliant, with secure remote access to your practice management system.",
]

TAGLINES = ['Our motto: "Care like family."', 'We live by one promise: "Every patient, every time."',
            'Ask about our "Peace of Mind" guarantee.', '"Home is where healing happens."']
RCM_TAGLINES = ['Our clients call us "the billing team that actually picks up the phone."',
                'Our promise: "Clean claims, faster cash."']

HH_SERVICES = ["Skilled nursing", "Physical therapy", "Occupational therapy", "Speech therapy",
               "Medical social work", "Home health aides", "Personal care and bathing", "Companionship",
               "Respite care", "Alzheimer’s and dementia care", "Post-surgical recovery", "Wound care",
               "Medication management", "Diabetes management", "24-hour and live-in care",
               "Transitional care after hospital discharge", "Light housekeeping and meal preparation",
               "Transportation to appointments", "Palliative care", "Fall prevention"]
HH_OPEN = [
    "{name} is a family-owned home care agency serving {city} and the surrounding communities since {year}.",
    "{name} provides compassionate, high-quality care to seniors and adults who want to remain safely in their own homes.",
    "At {name}, we believe there is no place like home. Our caregivers help clients across the greater {city} area live independently with dignity.",
    "{name} is a Medicare-certified home health agency providing skilled nursing and therapy services in the {city} area.",
    "Founded by a registered nurse in {year}, {name} delivers personalized in-home care throughout {state}.",
    "{name} offers non-medical home care, companion care and personal care for seniors in {city}, {abbr}.",
    "{name} is a locally owned provider of private duty nursing and home health services.",
    "Welcome to {name}! We provide trusted in-home care for your loved ones, 24 hours a day, 7 days a week.",
    "{name} is a nonprofit hospice and home health organization caring for patients and families in {city} and the surrounding counties.",
]
HH_SHORT = ["Home care agency in {city}.", "In-home senior care. Call {phone}.", "Home health services.",
            "Private duty nursing and companion care in {city}, {abbr}.", "Licensed home care agency."]
HH_BODY = [
    "Our team of registered nurses, therapists and certified home health aides works closely with each client’s physician to build an individualized plan of care.",
    "We are Medicare-certified and accredited by the Community Health Accreditation Partner (CHAP).",
    "We are licensed by the {state} Department of Health and accredited by ACHC.",
    "We accept Medicare, Medicaid, private pay, long-term care insurance and most insurance plans.",
    "Accepts most insurance, including Medicare Advantage plans. Free in-home assessments.",
    "All of our caregivers are background-checked, bonded, insured and trained in dementia care.",
    "We proudly serve veterans through the VA Community Care program.",
    "Our nurses are available on call 24/7, and a care coordinator checks in with every family weekly.",
    "Whether you need a few hours of help each week or around-the-clock support, we tailor our services to fit your needs and budget.",
    "We partner with local hospitals, skilled nursing facilities and physicians to reduce readmissions and help patients recover at home.",
    "Our star ratings on Care Compare reflect our commitment to quality and patient satisfaction.",
    "Hablamos español. Our bilingual staff serve Spanish-speaking families throughout the region.",
    "We serve {city} and communities within a 40-mile radius.",
    "Family caregivers deserve a break too: ask about our respite care packages.",
    "Our clinical team includes wound care certified nurses and physical therapists with orthopedic specialties.",
    "We were named a Best of Home Care® Provider of Choice for three years in a row.",
    "We are hiring! Join our team of CNAs, HHAs, LPNs and RNs — flexible schedules, weekly pay and benefits.",
    "Our mission is simple: to treat every client the way we would want our own parents treated.",
    "Serving families in the area for more than {age} years, we have cared for over {n},000 patients.",
    "Every new client receives a free, no-obligation consultation with a registered nurse.",
]
HH_CLOSE = ["Call us today at {phone} to schedule a free consultation.", "Call {phone} — we answer 24/7.",
            "Visit our website or call {phone} to learn more.", "Proudly serving {city} since {year}."]

HOSP_OPEN = [
    "{name} is a {beds}-bed nonprofit health system serving {city} and the surrounding region.",
    "{name} is a community hospital providing emergency, surgical, maternity and rehabilitation services in {city}, {abbr}.",
    "{name} is an integrated academic health system with {n} hospitals and more than {clinics} outpatient locations across {state}.",
    "For over {age} years, {name} has provided compassionate, high-quality care to the people of {city} and the surrounding region.",
    "{name} is a critical access hospital and rural health clinic network.",
]
HOSP_BODY = [
    "Our Level II trauma center, comprehensive stroke center and Magnet®-designated nursing team serve more than {n}00,000 patients each year.",
    "Patients can message their care team, view test results and pay bills online through MyChart.",
    "We employ more than {n},000 physicians, nurses and staff and are one of the region’s largest employers.",
    "Services include cardiology, oncology, orthopedics, women’s health, behavioral health, pediatrics and primary care.",
    "As a nonprofit, we reinvest in the community through charity care, health screenings and education programs.",
    "Our graduate medical education program trains residents in internal medicine, family medicine and surgery.",
    "We are proud to be recognized as a Top 100 Hospital and a Leapfrog “A” Safety Grade recipient.",
    "Our network includes urgent care centers, a home health agency, hospice and a physician group of more than {n}00 providers.",
    "Join our team: we are hiring nurses, allied health professionals and IT staff.",
]
HOSP_TECH = [
    "Our IT team supports Epic across all campuses and manages hundreds of HL7 interfaces with labs, imaging and affiliated practices.",
    "We migrated from Cerner to Epic in {year2} and now share records with health systems nationwide through Care Everywhere and FHIR APIs.",
]
HOSP_EDI = ["Providers and vendors: our Patient Financial Services team accepts 837 claims and sends 835 remittance through our clearinghouse."]

PHYS_SPECIALTIES = ["family medicine", "internal medicine", "pediatrics", "orthopedics", "cardiology",
                    "dermatology", "OB/GYN", "gastroenterology", "urology", "pain management",
                    "endocrinology", "podiatry", "ENT", "sports medicine", "allergy and immunology"]
PHYS_OPEN = [
    "{name} is an independent {spec} practice with {n} locations in and around {city}.",
    "{name} is a physician-owned {spec} practice providing comprehensive care to patients of all ages.",
    "Founded in {year}, {name} brings together board-certified physicians in {spec} and {spec2}.",
]
PHYS_PRIMARY_OPEN = [
    "{name} is a physician-owned multispecialty group with {n} locations in and around {city}.",
    "{name} is a primary care practice focused on preventive care, chronic disease management and same-day sick visits.",
]
PHYS_SPEC_OF = {"Family Medicine": "family medicine", "Pediatrics": "pediatrics", "Cardiology Associates": "cardiology",
                "Dermatology": "dermatology", "Women’s Health": "OB/GYN", "Gastroenterology": "gastroenterology",
                "Urology Group": "urology", "Pain Specialists": "pain management", "ENT & Allergy": "ENT",
                "Sports Medicine": "sports medicine", "Orthopedic Partners": "orthopedics",
                "Orthopedic Surgery Center": "orthopedics"}


def phys_opens(name, ctx):
    for k, v in PHYS_SPEC_OF.items():
        if name.endswith(k):
            ctx["spec"] = v
            if ctx["spec2"] == v:
                ctx["spec2"] = "sports medicine" if v != "sports medicine" else "physical therapy"
            return PHYS_OPEN
    return PHYS_PRIMARY_OPEN
PHYS_BODY = [
    "We accept most major insurance plans, including Medicare, Aetna, Cigna, UnitedHealthcare and Blue Cross Blue Shield.",
    "Same-day and telehealth appointments are available Monday through Saturday.",
    "Our patient portal lets you book appointments, request refills and view lab results online.",
    "Our providers are affiliated with the leading hospitals in {state}.",
    "We offer on-site lab, X-ray and physical therapy for your convenience.",
    "New patients are always welcome. Se habla español.",
    "We participate in value-based care programs and an accountable care organization (ACO).",
    "Our mission is to deliver personalized, evidence-based care close to home.",
]
PHYS_TECH = ["We use athenahealth for scheduling, records and billing, so your information follows you to every visit.",
             "Our practice runs on eClinicalWorks and shares records with local hospitals through HL7 interfaces."]

RCM_OPEN = [
    "{name} is a full-service medical billing and revenue cycle management company for independent practices.",
    "{name} helps hospitals, physician groups and ambulatory surgery centers get paid faster and more accurately.",
    "Founded in {year}, {name} provides medical billing, coding, credentialing and A/R recovery services nationwide.",
    "{name} is an RCM outsourcing partner for behavioral health, physical therapy and home health providers.",
    "{name} is a woman-owned medical billing company that treats every practice like a partner, not a ticket number.",
    "{name} offers end-to-end revenue cycle services, from patient registration to final payment posting.",
]
RCM_BODY = [
    "Our certified coders (CPC, CCS) stay current on ICD-10, CPT and HCPCS updates so your claims go out right the first time.",
    "Services include charge entry, payment posting, denial management, patient statements and credentialing.",
    "We typically improve collections by 10–20% within the first six months.",
    "Transparent, percentage-of-collections pricing with no long-term contracts.",
    "Monthly KPI reporting shows days in A/R, denial rates and net collection rate at a glance.",
    "We support more than 40 specialties, including cardiology, orthopedics, behavioral health and DME.",
    "Our offshore and onshore teams provide round-the-clock coverage for high-volume practices.",
    "Credentialing and payer contracting for new providers, group practices and facilities.",
    "Dedicated account managers and a real person on the phone when you call.",
]

HIT_OPEN = [
    "{name} is building the modern infrastructure for healthcare payments.",
    "{name} is a digital health company that helps provider organizations automate administrative work.",
    "{name} is a cloud-based platform for {seg} organizations to manage intake, scheduling, documentation and billing in one place.",
    "{name} gives healthcare teams a single API for patient data, payer connectivity and billing.",
    "{name} is an AI company automating prior authorizations, referrals and benefits checks for specialty practices.",
    "{name} is a venture-backed startup making it radically easier to build healthcare software.",
    "{name} helps {seg} providers verify insurance, estimate patient costs and collect payment up front.",
    "{name} is a care coordination platform connecting hospitals, post-acute providers and community organizations.",
    "{name} builds remote patient monitoring and chronic care management software for primary care practices.",
]
HIT_SEGMENTS = ["behavioral health", "home health", "physical therapy", "dental", "ambulatory surgery",
                "urgent care", "specialty pharmacy", "value-based primary care", "DME", "ABA therapy"]
HIT_BODY = [
    "Our customers include health systems, digital health companies and independent practices across all 50 states.",
    "We are backed by leading investors and a team with experience at Epic, Flatiron Health and One Medical.",
    "Security is built in: HIPAA compliant, SOC 2 Type II and HITRUST-certified.",
    "Customers go live in days, not months, with dedicated implementation support.",
    "Our machine learning models read faxes, referrals and clinical notes so staff do not have to.",
    "We are hiring engineers, product managers and customer success leads. Come build with us.",
    "Trusted by more than {n}00 provider organizations, from solo practices to large medical groups.",
    "Our analytics dashboards show revenue leakage, denial trends and staff productivity in real time.",
    "Patients get text-to-pay, online scheduling and digital intake forms that actually work on a phone.",
    "Designed with clinicians, for clinicians — because paperwork should not come before patients.",
]

PAYER_OPEN = [
    "{name} is a nonprofit health plan serving more than {n}00,000 members in {state}.",
    "{name} is an independent insurance agency offering health, life, Medicare supplement and employee benefits coverage.",
    "{name} is a third-party administrator (TPA) for self-funded employer health plans.",
    "{name} offers Medicare Advantage, Medicaid managed care and ACA marketplace plans.",
    "{name} is a benefits brokerage helping small and mid-sized employers find affordable group health coverage.",
]
PAYER_BODY = [
    "We work with a network of more than {n},000 doctors, hospitals and pharmacies.",
    "Our licensed agents compare plans from Aetna, Cigna, Humana, UnitedHealthcare and Blue Cross Blue Shield at no cost to you.",
    "Members can find a doctor, view claims and access their digital ID card in our mobile app.",
    "We are committed to whole-person health, including behavioral health, dental and vision benefits.",
    "Annual Enrollment Period help is available in English and Spanish.",
    "Our care management team helps members with chronic conditions stay healthy and out of the hospital.",
]
PAYER_EDI = [
    "Providers: submit claims electronically using our payer ID through Availity or Change Healthcare, and check eligibility with a 270/271 transaction.",
    "We accept 834 enrollment files and exchange 837 claims and 835 remittance with providers over standard X12 EDI.",
    "Eligibility, claim status and prior authorization requests can be submitted through the Availity portal.",
]

LAB_OPEN = [
    "{name} is a CLIA-certified, CAP-accredited clinical laboratory based in {city}.",
    "{name} provides toxicology, molecular and pharmacogenomic (PGx) testing for physicians nationwide.",
    "{name} is an independent reference laboratory offering routine and esoteric testing with fast turnaround.",
]
LAB_BODY = [
    "Results are available within 24–48 hours through our secure online portal.",
    "We bill Medicare, Medicaid and most commercial insurance directly, with transparent self-pay pricing.",
    "Mobile phlebotomists collect specimens at home, in nursing facilities and at employer sites.",
    "Our PCR and next-generation sequencing platforms support infectious disease and oncology panels.",
    "Couriers serve physician offices throughout {state} six days a week.",
]
LAB_TECH = ["Results flow straight into your EHR through bidirectional HL7 interfaces with Epic, Cerner, athenahealth and more.",
            "Electronic orders and results via HL7, plus electronic claims submission through our clearinghouse."]

PHARM_OPEN = [
    "{name} is an independent community pharmacy proudly serving {city} since {year}.",
    "{name} is a specialty pharmacy supporting patients with oncology, HIV, hepatitis C and rheumatology medications.",
    "{name} is a compounding pharmacy preparing custom medications for humans and animals.",
]
PHARM_BODY = ["Free same-day delivery within 10 miles.", "We accept most insurance plans, including Medicare Part D.",
              "Our pharmacists offer immunizations, medication therapy management and blister packaging.",
              "URAC- and ACHC-accredited, with a dedicated prior authorization and patient assistance team.",
              "Our compounding lab is PCAB-accredited and follows USP <795> and <797> standards."]

DENT_OPEN = ["{name} is a family dental practice offering preventive, cosmetic and restorative dentistry in {city}.",
             "{name} provides comprehensive eye exams, contact lenses and designer eyewear.",
             "{name} is a dental support organization (DSO) partnering with {n}0 practices across {state}.",
             "{name} offers pediatric dentistry and orthodontics in a fun, kid-friendly office."]
DENT_BODY = ["We offer Invisalign®, dental implants, crowns and same-day emergency appointments.",
             "We accept most PPO dental plans and offer in-house membership plans for patients without insurance.",
             "Our office features digital X-rays, 3D scanning and sedation options for anxious patients.",
             "New patients receive a complimentary whitening kit with their first cleaning.",
             "We are in-network with VSP, EyeMed and Davis Vision."]

MED_OPEN = ["{name} is an FDA-registered, ISO 13485-certified manufacturer of {prod}.",
            "{name} is a durable medical equipment (DME) supplier providing {prod} to patients at home.",
            "{name} designs and manufactures {prod} for hospitals and surgery centers worldwide."]
MED_PRODUCTS = ["orthopedic implants", "respiratory devices", "wound care products", "infusion pumps",
                "surgical instruments", "CPAP and oxygen equipment", "mobility aids and power wheelchairs",
                "diagnostic imaging accessories", "continuous glucose monitoring supplies"]
MED_BODY = ["Our products are sold in more than {n}0 countries through a network of distributors.",
            "We bill Medicare, Medicaid and most private insurance for qualifying equipment.",
            "Our engineering team holds more than {n}0 patents.",
            "Respiratory therapists provide in-home setup and 24/7 support.",
            "Quality, safety and innovation guide everything we build."]
MED_EDI = ["We submit DME claims electronically through our clearinghouse and verify eligibility before every delivery."]

STAFF_OPEN = ["{name} is a healthcare staffing firm placing travel nurses, allied health and locum tenens professionals.",
              "{name} connects hospitals and home health agencies with per diem CNAs, LPNs and RNs."]
STAFF_BODY = ["We hold The Joint Commission’s Gold Seal of Approval® for Health Care Staffing Services.",
              "Competitive pay, housing stipends, day-one benefits and 24/7 recruiter support.",
              "We also place medical billers, coders and revenue cycle professionals.",
              "Clients include more than {n}00 hospitals, clinics and post-acute facilities."]

MH_OPEN = ["{name} provides outpatient therapy, psychiatry and intensive outpatient programs for adults and adolescents.",
           "{name} is a group therapy practice specializing in anxiety, depression, trauma and couples counseling.",
           "{name} offers ABA therapy for children with autism in home, school and clinic settings.",
           "{name} is a wellness studio offering yoga, massage and nutrition coaching."]
MH_BODY = ["We are in-network with Aetna, Cigna, Optum, Blue Cross Blue Shield and Medicaid.",
           "Telehealth sessions are available throughout {state}.", "Most new clients are seen within one week.",
           "Our licensed clinicians (LCSW, LPC, LMFT, PsyD) use evidence-based approaches including CBT and DBT.",
           "Sliding-scale fees are available."]

MISC_OPEN = ["{name} is a {kind} serving {city} and the surrounding area.",
             "{name} is a leading {kind} dedicated to improving health outcomes in {state}."]
MISC_BODY = ["Our team brings decades of experience and a commitment to quality.",
             "We partner with physicians, hospitals and community organizations.",
             "Learn more about our programs, research and careers on our website.",
             "We are committed to diversity, equity and inclusion in everything we do."]

NOISE = {
    "restaurant": (["{name} is a family-owned {cuisine} restaurant in {city}, serving lunch and dinner since {year}.",
                    "{name} brings scratch-made {cuisine} food, craft cocktails and live music to downtown {city}."],
                   ["Catering available for corporate events, weddings and parties.", "Order online for pickup or delivery.",
                    "Happy hour Monday–Friday, 3–6 pm.", "Voted Best Brunch by readers three years running."]),
    "construction": (["{name} is a general contractor specializing in commercial construction, including hospitals, medical office buildings and senior living.",
                      "{name} provides design-build, pre-construction and construction management services across {state}."],
                     ["Our portfolio includes healthcare facilities, schools and multifamily housing.", "Safety is our first priority — EMR well below industry average.",
                      "Licensed, bonded and insured.", "We self-perform concrete, framing and drywall."]),
    "real_estate": (["{name} is a commercial real estate firm focused on medical office buildings and outpatient facilities.",
                     "{name} is a residential real estate brokerage helping families buy and sell homes in {city}."],
                    ["Our brokers have closed more than ${n}00 million in transactions.", "Property management, leasing and investment sales.",
                     "Tenants include physician groups, urgent care centers and dental practices.", "Call us for a free home valuation."]),
    "saas": (["{name} is a project management platform for creative agencies and marketing teams.",
              "{name} makes payroll and HR software for small businesses.",
              "{name} is an API-first platform for e-commerce order management."],
             ["Trusted by more than {n},000 teams worldwide.", "Integrations with Slack, Google Workspace, Shopify and QuickBooks.",
              "SOC 2 Type II compliant.", "Start your free 14-day trial today — no credit card required."]),
    "accounting": (["{name} is a CPA firm providing tax, audit and advisory services to physicians, dentists and small businesses.",
                    "{name} offers bookkeeping, payroll and tax preparation for local businesses."],
                   ["We understand the financial challenges of running a medical practice.", "QuickBooks ProAdvisor certified.",
                    "Serving {city} for over {age} years."]),
    "marketing": (["{name} is a digital marketing agency helping medical practices and home care agencies attract more patients.",
                   "{name} is a full-service branding and web design studio."],
                  ["SEO, paid search, social media and reputation management.", "We have built more than {n}00 websites for clients across the country.",
                   "Google Partner and Meta Business Partner."]),
    "law": (["{name} is a law firm focused on healthcare regulatory, HIPAA compliance and business transactions.",
             "{name} is a personal injury law firm representing accident victims across {state}."],
            ["Free consultations.", "Our attorneys have recovered millions for our clients.", "Licensed in {state} and neighboring states."]),
    "fitness": (["{name} is a boutique fitness studio offering HIIT, spin and strength classes.",
                 "{name} is a CrossFit gym and nutrition coaching community."],
                ["First class free!", "Personal training and small group sessions available.", "Open 5 am to 10 pm, seven days a week."]),
}
CUISINES = ["Italian", "Mexican", "Cajun", "Thai", "Southern", "Mediterranean", "Korean BBQ", "farm-to-table"]


def fill(t, ctx):
    return t.format(**ctx)


def target_length():
    # log-normal around a ~500 character median, capped near 2,050
    return int(max(40, min(2050, math.exp(RNG.gauss(math.log(540), 0.62)))))


def build_description(ctx, opens, bodies, closes=(), tech=(), bullets=None, target=None, shorts=None, tags=()):
    """Assemble a LinkedIn 'About' text of roughly `target` characters.

    tech sentences are always kept (they carry the signal), right after the opening.
    About half the texts are multi-line: paragraphs separated by LF, LF LF or CRLF CRLF.
    """
    target = target if target is not None else target_length()
    if shorts and target < 110:
        return fill(pick(shorts), ctx)
    multiline = RNG.random() < (0.35 if target < 350 else 0.62)
    sents = [fill(pick(opens), ctx)]
    sents += [fill(t, ctx) for t in tech]
    pool = [b for b in bodies]
    RNG.shuffle(pool)
    bullet_block = None
    if bullets and target > 450 and RNG.random() < 0.45:
        items = RNG.sample(bullets, min(len(bullets), RNG.randrange(4, 10)))
        if multiline:
            mark = pick(["• ", "- ", "✓ ", "* "])
            bullet_block = pick(["Our services include:", "Services:", "We offer:", "How we help:"]) + "\n" + "\n".join(mark + i for i in items)
        else:
            bullet_block = "Services include " + ", ".join(i.lower() if i[1:2].islower() else i for i in items[:-1]) + " and " + items[-1].lower() + "."
    length = sum(len(s) + 1 for s in sents) + (len(bullet_block) if bullet_block else 0)
    while pool and length < target:
        s = fill(pool.pop(), ctx)
        sents.append(s)
        length += len(s) + 1
    if tags and RNG.random() < 0.2:
        sents.insert(min(len(sents), 2), pick(tags))
    if closes and RNG.random() < 0.5:
        sents.append(fill(pick(closes), ctx))
    if not multiline:
        text = " ".join(sents)
        if bullet_block:
            text += " " + bullet_block
    else:
        sep = wpick([("\n\n", 55), ("\n", 25), ("\r\n\r\n", 12), ("\r\n", 8)])
        paras, i = [], 0
        while i < len(sents):
            k = RNG.choice([1, 2, 2, 3])
            paras.append(" ".join(sents[i:i + k]))
            i += k
        if bullet_block:
            line_sep = "\r\n" if "\r" in sep else "\n"
            paras.insert(min(len(paras), 1 + RNG.randrange(2)), bullet_block.replace("\n", line_sep))
        text = sep.join(paras)
    # Typographic quirks seen in real exports.
    if RNG.random() < 0.35:
        text = text.replace("'", "’").replace(" - ", " — ")
        text = re.sub(r'"([^"]+)"', "“\\1”", text)
    return text


def ctx_for(name, place):
    c = {
        "name": name, "city": place["city"], "state": place["state"], "abbr": place["abbr"],
        "year": RNG.randrange(1952, 2021), "year2": RNG.randrange(2015, 2024),
        "age": 0, "n": RNG.randrange(2, 9), "beds": pick([48, 112, 186, 240, 325, 410, 612, 880]),
        "clinics": RNG.randrange(20, 180), "phone": phone(), "spec": pick(PHYS_SPECIALTIES),
        "spec2": pick(PHYS_SPECIALTIES), "seg": pick(HIT_SEGMENTS), "prod": pick(MED_PRODUCTS),
        "cuisine": pick(CUISINES), "kind": "",
    }
    # keep "founded in {year}" and "for over {age} years" consistent (fixed reference year, no clock)
    c["age"] = max(3, 2024 - c["year"] - RNG.randrange(3))
    return c


# ---------------------------------------------------------------------------
# Row construction
# ---------------------------------------------------------------------------
ROWS = []


def add(name, desc, industry, typ, place, domain, slug, *, score=None, size=None, loc_style=None, group=None):
    if place is None:
        location, country = "", ""
    else:
        location = format_location(place, loc_style) if "city" in place else place.get("loc", "")
        country = place.get("country", "")
    ROWS.append({
        "Find companies": "", "Name": name, "Description": desc, "Primary Industry": industry,
        "Size": size, "Type": typ, "Location": location, "Country": country,
        "Domain": domain, "LinkedIn URL": li(slug) if slug else "", "_score": score, "_group": group,
    })
    return ROWS[-1]


def norm_domain(d):
    """Same normalisation the tool is expected to apply; used only by the check below."""
    d = d.strip().lower()
    d = re.sub(r"^[a-z]+://", "", d)
    d = d.split("/")[0].rstrip(".")
    if d.startswith("www."):
        d = d[4:]
    return d if re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d) else ""


# --- Home health agencies (independent) -------------------------------------
HH_PREFIX = ["Caring Hearts", "Golden Years", "Heritage", "Comfort First", "Gentle Touch", "Sunrise Valley",
             "Blue Ridge", "Evergreen", "Harbor Light", "Magnolia", "Compassionate", "Guardian",
             "Tender Mercies", "Amazing Grace", "Faithful Friends", "Harmony", "Lakeside", "Prairie Wind",
             "Silver Lining", "True North", "Cornerstone", "Hearthstone", "Willow Creek", "Riverbend",
             "Old Oak", "Palmetto", "Lone Star", "Bluebonnet", "Sunflower", "Peach State", "Bayou",
             "Desert Rose", "Pinnacle", "Legacy", "Serenity", "Trinity", "Angel Wings", "Open Arms",
             "Kindred Spirit", "Rising Star", "Abundant Life", "New Horizons", "Brighter Day", "Devoted",
             "Loyal Companions", "Mountain View", "Coastal", "Heartland", "Keepsake", "Morning Star",
             "Pathways", "Safe Harbor", "Still Waters", "Timberline", "Tri-County", "Unity", "Victory",
             "Wellspring", "Whispering Pines", "Bridgeway", "Above & Beyond", "All Seasons",
             "American Heritage", "Blessed Hands", "Cardinal", "Cedar Grove", "Circle of Care",
             "Divine Mercy", "Emerald Coast", "First Choice", "Friendship", "Good Shepherd", "Great Lakes",
             "Hands of Hope", "Hilltop", "Homestead", "Liberty", "Lighthouse", "Loving Care", "Meadowbrook",
             "Nightingale", "Oasis", "Olive Branch", "Patriot", "Pine Valley", "Promise", "Quality First",
             "Redwood", "Royal Palm", "Sea Breeze", "Simply Home", "Starlight", "Sweetwater", "Twin Rivers",
             "Valley Crest", "Golden Heart", "Dayspring", "Ebenezer", "Hope Springs", "Mercy Ridge"]
HH_SUFFIX = [("Home Health", 20), ("Home Care", 20), ("Home Health Services", 8), ("Home Health Care", 8),
             ("Home Healthcare", 5), ("In-Home Care", 5), ("Home Care Services", 5), ("Senior Care", 5),
             ("Home Health & Hospice", 4), ("Hospice", 3), ("Private Duty Nursing", 2), ("Home Health Agency", 3),
             ("Nursing Services", 2), ("Care Services", 3), ("Home Health, LLC", 3), ("Home Care, Inc.", 2)]


def hh_name():
    r = RNG.random()
    if r < 0.80:
        return "%s %s" % (pick(HH_PREFIX), wpick(HH_SUFFIX))
    if r < 0.92:
        return "%s Family Home Care" % pick(SURNAMES)
    return "%s’s Helping Hands Home Care" % pick(FIRST_NAMES)


def home_health(n):
    for i in range(n):
        name = unique_name(hh_name if i else (lambda: "Zoë’s Home Care Companions"))
        place = us_place()
        ctx = ctx_for(name, place)
        desc = build_description(ctx, HH_OPEN, HH_BODY, HH_CLOSE, bullets=HH_SERVICES, shorts=HH_SHORT, tags=TAGLINES)
        industry = wpick([("Home Health Care Services", 96), ("Hospitals and Health Care", 3),
                          ("Individual and Family Services", 1)])
        typ = wpick([("Privately Held", 68), ("Self Owned", 10), ("Non Profit", 6), ("Partnership", 5),
                     ("Self Employed", 2), ("", 2)])
        add(name, desc, industry, typ, place, make_domain(name, HH_TLDS), make_slug(name), score=RNG.gauss(2.3, 0.85))


# --- Franchise / multi-page groups (shared domains) -------------------------
def shared_groups():
    # 1. Assisting Hands Home Care: 5 franchise pages on one domain.
    for city, fmt in [("Naperville", "Assisting Hands Home Care Naperville"),
                      ("Dallas", "Assisting Hands Home Care - Dallas"),
                      ("Arlington", "Assisting Hands Home Care of Northern Virginia"),
                      ("Scottsdale", "Assisting Hands Home Care Scottsdale"),
                      ("Boca Raton", "Assisting Hands Home Care Boca Raton & Delray Beach")]:
        place = us_place(next(c for c in US_CITIES if c[0] == city))
        ctx = ctx_for(fmt, place)
        desc = build_description(ctx, ["{name} is a locally owned and operated franchise of Assisting Hands Home Care, providing non-medical in-home care to seniors in the {city} area."],
                                 HH_BODY, HH_CLOSE, bullets=HH_SERVICES)
        add(fmt, desc, "Home Health Care Services", "Privately Held", place, "assistinghands.com",
            make_slug(fmt), score=RNG.gauss(2.2, 0.5), group="assistinghands.com")
    USED_DOMAINS.add("assistinghands.com")
    # 2. BrightStar Care: 4 pages, the domain written in several messy forms.
    for city, fmt, dom in [("Scottsdale", "BrightStar Care North Scottsdale", "brightstarcare.com"),
                           ("Ann Arbor", "BrightStar Care of Ann Arbor", "www.brightstarcare.com"),
                           ("Kansas City", "BrightStar Care Kansas City North", "https://brightstarcare.com/"),
                           ("Arlington", "BrightStar Care Arlington / Alexandria", "brightstarcare.com")]:
        place = us_place(next(c for c in US_CITIES if c[0] == city))
        ctx = ctx_for(fmt, place)
        desc = build_description(ctx, ["{name} is an independently owned and operated BrightStar Care® franchise offering medical and non-medical home care and staffing, overseen by a registered nurse."],
                                 HH_BODY, HH_CLOSE, bullets=HH_SERVICES)
        add(fmt, desc, "Home Health Care Services", "Privately Held", place, dom, make_slug(fmt),
            score=RNG.gauss(2.6, 0.5), group="brightstarcare.com")
    USED_DOMAINS.add("brightstarcare.com")
    # 3. Golden Hour Home Care (fictional regional brand): 3 pages.
    for city, fmt in [("Tucson", "Golden Hour Home Care"), ("Tucson", "Golden Hour Home Care - Tucson"),
                      ("Mesa", "Golden Hour Home Care of Mesa")]:
        place = us_place(next(c for c in US_CITIES if c[0] == city))
        ctx = ctx_for(fmt, place)
        desc = build_description(ctx, HH_OPEN, HH_BODY, HH_CLOSE, bullets=HH_SERVICES)
        add(fmt, desc, "Home Health Care Services", pick(["Privately Held", "Self Owned"]), place,
            "goldenhourhomecare.com", make_slug(fmt), score=RNG.gauss(2.2, 0.5), group="goldenhourhomecare.com")
    USED_DOMAINS.add("goldenhourhomecare.com")
    # 4. A hospital system with three LinkedIn pages.
    place = us_place(("Yakima", "Washington", "WA"))
    for fmt, size, ind, typ, opener in [
        ("Meridian Valley Health", "10,001+ employees", "Hospitals and Health Care", "Non Profit",
         "{name} is an integrated nonprofit health system with 9 hospitals, 140 clinics and more than 11,000 caregivers across central Washington."),
        ("Meridian Valley Medical Center", "5,001-10,000 employees", "Hospitals and Health Care", "Non Profit",
         "{name} is the 412-bed flagship hospital of Meridian Valley Health and the region’s only Level II trauma center."),
        ("Meridian Valley Health Foundation", "11-50 employees", "Non-profit Organizations", "Non Profit",
         "{name} raises philanthropic support for Meridian Valley Health’s hospitals, clinics and community programs.")]:
        ctx = ctx_for(fmt, place)
        tech = [pick(HOSP_TECH)] if fmt != "Meridian Valley Health Foundation" else []
        desc = build_description(ctx, [opener], HOSP_BODY, tech=tech)
        add(fmt, desc, ind, typ, place, "meridianvalleyhealth.org", make_slug(fmt), size=size,
            loc_style="full", group="meridianvalleyhealth.org")
    USED_DOMAINS.add("meridianvalleyhealth.org")
    # 5. A payer with subsidiaries.
    place = us_place(("Portland", "Oregon", "OR"))
    for fmt, size, ind in [("Cascade Mutual Health", "1,001-5,000 employees", "Insurance"),
                           ("Cascade Mutual Medicare Advantage", "201-500 employees", "Insurance"),
                           ("Cascade Mutual Health Plan of Idaho", "51-200 employees", "Hospitals and Health Care")]:
        ctx = ctx_for(fmt, place)
        desc = build_description(ctx, PAYER_OPEN[:1] + PAYER_OPEN[3:4], PAYER_BODY, tech=[pick(PAYER_EDI)])
        add(fmt, desc, ind, "Non Profit", place, "cascademutual.com", make_slug(fmt), size=size,
            group="cascademutual.com")
    USED_DOMAINS.add("cascademutual.com")
    # 6. A renamed RCM company (old page still live).
    place = us_place(("Nashville", "Tennessee", "TN"))
    for fmt, opener in [("ClaimBridge RCM", "{name} is a revenue cycle management company for specialty physician groups and ambulatory surgery centers."),
                        ("MedRev Solutions (now ClaimBridge RCM)", "MedRev Solutions is now ClaimBridge RCM! Follow our new page for updates.")]:
        ctx = ctx_for(fmt, place)
        tech = RNG.sample(EDI_RCM, 2) if fmt.startswith("ClaimBridge") else []
        desc = build_description(ctx, [opener], RCM_BODY if tech else [], tech=tech,
                                 target=None if tech else 60)
        add(fmt, desc, "Hospitals and Health Care" if tech else "Business Consulting and Services",
            "Privately Held", place, "claimbridgercm.com", make_slug(fmt),
            size="51-200 employees" if tech else "11-50 employees", group="claimbridgercm.com")
    USED_DOMAINS.add("claimbridgercm.com")
    # 7. Orthopedic group and its surgery center.
    place = us_place(("Charlotte", "North Carolina", "NC"))
    for fmt, ind in [("Summit Orthopedic Partners", "Medical Practices"),
                     ("Summit Orthopedic Surgery Center", "Hospitals and Health Care")]:
        ctx = ctx_for(fmt, place)
        desc = build_description(ctx, phys_opens(fmt, ctx), PHYS_BODY)
        add(fmt, desc, ind, "Partnership", place, "summitorthopartners.com", make_slug(fmt),
            score=RNG.gauss(3.3, 0.4), group="summitorthopartners.com")
    USED_DOMAINS.add("summitorthopartners.com")
    # 8. A lab with division pages; one uses the www form.
    place = us_place(("Allentown", "Pennsylvania", "PA"))
    for fmt, dom in [("Keystone Diagnostic Laboratories", "keystonedx.com"),
                     ("Keystone Diagnostic Labs – Toxicology", "keystonedx.com"),
                     ("Keystone Diagnostic Labs – Molecular", "keystonedx.com")]:
        ctx = ctx_for(fmt, place)
        desc = build_description(ctx, LAB_OPEN, LAB_BODY, tech=[LAB_TECH[0]] if fmt.endswith("Laboratories") else [])
        add(fmt, desc, wpick([("Medical and Diagnostic Laboratories", 2), ("Hospitals and Health Care", 1)]),
            "Privately Held", place, dom, make_slug(fmt), score=RNG.gauss(3.0, 0.5), group="keystonedx.com")
    USED_DOMAINS.add("keystonedx.com")


# --- Hospitals and health systems -------------------------------------------
def hospitals(n):
    words_a = ["St. Agnes", "Mercy", "Good Samaritan", "Riverside", "Baptist", "Memorial", "Providence Valley",
               "Lakeview", "Pioneer", "Sacred Heart", "Northwest", "Bayfront", "Piedmont Hills", "Prairie",
               "Sierra Vista", "Three Rivers", "Union", "Cumberland", "Mid-Valley"]
    words_b = ["Medical Center", "Health", "Regional Medical Center", "Hospital", "Health System",
               "Community Hospital", "Healthcare", "Regional Health"]
    for i in range(n):
        name = unique_name(lambda: "%s %s" % (pick(words_a), pick(words_b)))
        place = us_place()
        ctx = ctx_for(name, place)
        tech = []
        if RNG.random() < 0.3:
            tech.append(pick(HOSP_TECH))
        if RNG.random() < 0.08:
            tech.append(HOSP_EDI[0])
        desc = build_description(ctx, HOSP_OPEN, HOSP_BODY, tech=tech)
        typ = wpick([("Non Profit", 60), ("Privately Held", 20), ("Public Company", 8), ("Government Agency", 4),
                     ("Educational", 4), ("", 2)])
        typ = {0: "Educational", 1: "Government Agency"}.get(i, typ)  # an academic and a county hospital
        add(name, desc, "Hospitals and Health Care", typ, place,
            make_domain(name, (("org", 60), ("com", 35), ("health", 5))), make_slug(name), score=RNG.gauss(5.4, 1.1))


# --- Physician groups and clinics -------------------------------------------
def physicians(n):
    pfx = ["Lakeshore", "Valley", "Advanced", "Premier", "Capital", "Coastal", "Heartland", "Pinnacle",
           "Metro", "Family First", "Westside", "Eastside", "Bluegrass", "Gulf Coast", "Rocky Mountain"]
    sfx = ["Family Medicine", "Pediatrics", "Cardiology Associates", "Dermatology", "Women’s Health",
           "Gastroenterology", "Urology Group", "Pain Specialists", "Internal Medicine", "Primary Care",
           "Medical Group", "Physicians Group", "ENT & Allergy", "Sports Medicine"]
    for i in range(n):
        if i == 0:
            name = unique_name(lambda: "Clínica Médica del Valle")
        elif i == 1:
            name = unique_name(lambda: "Smith, Patel & Ramirez, MD, PA")
        else:
            name = unique_name(lambda: "%s %s" % (pick(pfx), pick(sfx)))
        place = us_place()
        ctx = ctx_for(name, place)
        tech = [pick(PHYS_TECH)] if RNG.random() < 0.15 else []
        desc = build_description(ctx, phys_opens(name, ctx), PHYS_BODY, tech=tech)
        ind = wpick([("Medical Practices", 62), ("Hospitals and Health Care", 33), ("Wellness and Fitness Services", 5)])
        typ = wpick([("Privately Held", 60), ("Partnership", 25), ("Self Owned", 10), ("", 3)])
        add(name, desc, ind, typ, place, make_domain(name), make_slug(name), score=RNG.gauss(2.8, 0.9))


# --- Medical billing / RCM services -----------------------------------------
def rcm(n):
    pfx = ["Precision", "Apex", "Accurate", "Clearview", "Integrity", "Total", "Elite", "Prime", "MedPro",
           "Velocity", "Optimum", "Synergy", "Reliant", "Streamline", "Advantage", "Benchmark", "Crescent",
           "Alliance", "Pioneer", "Ironclad", "Northgate", "Bluepeak", "True Claim", "Cardinal Point"]
    sfx = ["Medical Billing", "Revenue Cycle Solutions", "RCM", "Billing & Coding", "Healthcare Solutions",
           "Medical Management", "Claims Management", "Practice Solutions", "Revenue Partners"]
    industries = [("Hospitals and Health Care", 26), ("Business Consulting and Services", 16),
                  ("Financial Services", 12), ("IT Services and IT Consulting", 14), ("Accounting", 6),
                  ("Outsourcing and Offshoring Consulting", 8), ("Software Development", 8)]
    for i in range(n):
        name = unique_name(lambda: "%s %s" % (pick(pfx), pick(sfx)))
        place = us_place()
        country_override = None
        if i < 3:  # offshore RCM shops
            name = ["Medisync Revenue Services Pvt. Ltd.", "Coromandel Healthcare BPO", "Sahyadri Claims Processing"][i]
            USED_NAMES.add(name)
            country_override = [{"loc": "Chennai, Tamil Nadu", "country": "India"},
                                {"loc": "Coimbatore, Tamil Nadu", "country": "India"},
                                {"loc": "Pune, Maharashtra", "country": "India"}][i]
        ctx = ctx_for(name, place)
        tech = []
        if RNG.random() < 0.65:
            tech += RNG.sample(EDI_RCM, RNG.choice([1, 1, 2, 3]))
        if RNG.random() < 0.35:
            tech.append(pick(EHR_MENTIONS))
        if RNG.random() < 0.06:
            tech.append("We also build HL7 and FHIR interfaces between billing systems and EHRs.")
        if RNG.random() < 0.12:
            tech.append("Our %s™ analytics flag risky claims before they go out the door." % pick(["DenialGuard", "ClaimScore", "CashVision", "A/R Radar"]))
        desc = build_description(ctx, RCM_OPEN, RCM_BODY, tech=tech, tags=RCM_TAGLINES)
        ind = "Outsourcing and Offshoring Consulting" if country_override and i != 1 else wpick(industries)
        typ = wpick([("Privately Held", 70), ("Self Owned", 12), ("Partnership", 6), ("Self Employed", 3), ("", 2)])
        p = country_override or place
        add(name, desc, ind, typ, p, make_domain(name, (("com", 85), ("net", 8), ("us", 4), ("in", 3))) if not country_override
            else make_domain(name, (("com", 60), ("in", 40))), make_slug(name), score=RNG.gauss(2.5, 1.0))


# --- Health IT and digital health --------------------------------------------
def health_it(n):
    p1 = ["Claim", "Payer", "Elig", "Remit", "Care", "Chart", "Auth", "Clear", "Pulse", "Vital", "Nova",
          "Helix", "Lumen", "Signal", "Cadence", "Keel", "Sable", "Orbit", "Tandem", "Relay", "Mosaic",
          "Cobalt", "Quill", "Anchor", "Beacon", "Fathom", "Juniper", "Kite", "Meadow", "Prism", "Sprout",
          "Tidal", "Verity", "Wren", "Yarrow", "Zephyr", "Ember", "Harbor", "Lattice", "Cinder"]
    p2 = [("Pilot", 3), ("Link", 3), ("Flow", 3), ("Sync", 2), ("Stack", 2), ("Works", 2), ("Bridge", 2),
          ("Path", 2), ("Logic", 2), (" Health", 6), (" Labs", 2), (" AI", 3), ("HQ", 1), ("Hub", 1), (" Care", 2)]
    tlds = (("com", 45), ("io", 15), ("ai", 12), ("health", 12), ("co", 8), ("care", 4), ("app", 4))
    industries = [("Software Development", 52), ("Technology, Information and Internet", 20),
                  ("IT Services and IT Consulting", 12), ("Hospitals and Health Care", 12), ("Mental Health Care", 2),
                  ("Home Health Care Services", 2)]
    foreign = [{"loc": "Toronto, Ontario", "country": "Canada"}, {"loc": "London, England", "country": "United Kingdom"},
               {"loc": "Manchester, England", "country": "United Kingdom"}, {"loc": "Sydney, NSW", "country": "Australia"},
               {"loc": "Vancouver, British Columbia", "country": "Canada"},
               {"loc": "Montréal, Québec", "country": "Canada"}]
    for i in range(n):
        name = unique_name(lambda: pick(p1) + wpick(p2))
        place = foreign[i] if i < len(foreign) else us_place()
        ctx = ctx_for(name, place if "city" in place else us_place())
        ctx["name"] = name
        tech = []
        r = RNG.random()
        if r < 0.42:
            tech += RNG.sample(EDI_HIT, RNG.choice([1, 1, 2, 2, 3]))
        if RNG.random() < 0.45:
            tech += RNG.sample(FHIR_HIT, RNG.choice([1, 1, 2]))
        if i in (6, 17) or RNG.random() < 0.04:
            tech.append("Our flagship product, %s Connect™, is used by thousands of clinicians every day." % name)
        desc = build_description(ctx, HIT_OPEN, HIT_BODY, tech=tech)
        typ = wpick([("Privately Held", 88), ("Public Company", 4), ("Partnership", 2), ("", 3)])
        add(name, desc, wpick(industries), typ, place, make_domain(name, tlds), make_slug(name),
            score=RNG.gauss(2.9, 1.0))


def named_health_it():
    """Previous customers and a few well-known names.  Descriptions written for this sample."""
    specs = [
        # name, domain as written, industry, size, type, place, opener, tech
        ("Tennr", "www.tennr.com", "Software Development", "51-200 employees", "Privately Held",
         ("New York", "New York", "NY"),
         "Tennr reads the faxes, referrals and intake documents that flood specialty practices and turns them into structured data.",
         [EDI_HIT[3], "Benefits are checked automatically with 270/271 eligibility requests before a patient is ever scheduled."]),
        ("Candid Health", "candidhealth.com", "Software Development", "51-200 employees", "Privately Held",
         ("San Francisco", "California", "CA"),
         "Candid Health is an autonomous revenue cycle platform for modern care delivery organizations.",
         [EDI_HIT[1], EDI_HIT[5], FHIR_HIT[4]]),
        ("Medplum", "medplum.com", "Software Development", "11-50 employees", "Privately Held",
         ("San Francisco", "California", "CA"),
         "Medplum is an open source, API-first, FHIR-native headless EHR and healthcare developer platform.",
         [FHIR_HIT[0], FHIR_HIT[2], "Bots and integrations connect Medplum to labs, clearinghouses and billing systems."]),
        ("Thoughtful AI", "thoughtful.ai", "Technology, Information and Internet", "51-200 employees", "Privately Held",
         ("Dallas", "Texas", "TX"),
         "Thoughtful AI builds AI agents that automate revenue cycle work for healthcare providers — eligibility, prior authorization, claims and payment posting.",
         [EDI_RCM[0], EDI_RCM[2]]),
        ("Nirvana", "nirvanahq.com.", "Software Development", "11-50 employees", "Privately Held",
         ("San Francisco", "California", "CA"),
         "Nirvana helps therapy practices and mental health groups verify insurance, estimate patient responsibility and get paid.",
         [EDI_HIT[6]]),
        ("Sohar Health", "sohar.health", "Software Development", "11-50 employees", "Privately Held",
         ("New York", "New York", "NY"),
         "Sohar Health provides instant insurance verification and patient intake automation for behavioral health providers.",
         ["Our API runs real-time 270/271 eligibility checks against hundreds of payers and returns clean, behavioral-health-specific benefits."]),
        ("Assort Health", "assort.health", "Software Development", "11-50 employees", "Privately Held",
         ("San Francisco", "California", "CA"),
         "Assort Health builds AI voice agents that answer patient phone calls for specialty practices: scheduling, rescheduling, refills and FAQs.",
         ["Agents integrate with the practice’s EHR, including Epic, athenahealth, eClinicalWorks and NextGen."]),
        ("Sprinter Health", "https://www.SprinterHealth.com/", "Hospitals and Health Care", "201-500 employees", "Privately Held",
         ("Menlo Park", "California", "CA"),
         "Sprinter Health brings care to the home: lab draws, vitals, preventive screenings and chronic care visits performed by clinicians who come to you.",
         []),
        ("Availity", "availity.com", "Software Development", "1,001-5,000 employees", "Privately Held",
         ("Jacksonville", "Florida", "FL"),
         "Availity is a health information network connecting payers and providers across the country.",
         ["Providers use Availity for eligibility and benefits, claims, claim status, remittance and authorizations — in the portal or over X12 EDI and APIs."]),
        ("Waystar", "waystar.com", "Software Development", "1,001-5,000 employees", "Public Company",
         ("Lehi", "Utah", "UT"),
         "Waystar’s healthcare payments software simplifies and unifies the revenue cycle for providers.",
         ["Clearinghouse, eligibility, claim monitoring, denial prevention and patient payments on one platform."]),
        ("Office Ally", "officeally.com", "Software Development", "201-500 employees", "Privately Held",
         ("Vancouver", "Washington", "WA"),
         "Office Ally offers a healthcare clearinghouse along with practice management and EHR tools for independent practices.",
         ["Submit 837 claims, receive 835 ERAs and check 270/271 eligibility with thousands of payers."]),
        ("athenahealth", "athenahealth.com", "Software Development", "5,001-10,000 employees", "Privately Held",
         ("Boston", "Massachusetts", "MA"),
         "athenahealth provides cloud-based electronic health records, practice management and revenue cycle services to medical groups.",
         [FHIR_HIT[1]]),
    ]
    for name, dom, ind, size, typ, city, opener, tech in specs:
        USED_NAMES.add(name)
        USED_DOMAINS.add(norm_domain(dom))
        place = us_place(city)
        ctx = ctx_for(name, place)
        body = [HIT_BODY[0], HIT_BODY[5], HIT_BODY[9]]  # neutral sentences only for real companies
        desc = build_description(ctx, [opener], body, tech=tech, target=RNG.randrange(300, 800))
        add(name, desc, ind, typ, place, dom, make_slug(name), size=size, loc_style="full")


# --- Payers, brokers, TPAs --------------------------------------------------
def payers(n):
    pfx = ["Keystone State", "Granite", "Prairie", "Bay Area", "Sun Coast", "Great Plains", "Heartland",
           "Allegheny", "Ozark", "Gulf States", "Tri-State", "Frontier", "Liberty", "Capstone", "Evergreen"]
    sfx = ["Health Plan", "Benefits Group", "Insurance Agency", "Benefit Administrators", "Health Partners",
           "Insurance Services", "Medicare Advisors", "Risk & Benefits"]
    for i in range(n):
        name = unique_name(lambda: "%s %s" % (pick(pfx), pick(sfx)))
        place = us_place()
        ctx = ctx_for(name, place)
        tech = [pick(PAYER_EDI)] if RNG.random() < 0.35 else []
        desc = build_description(ctx, PAYER_OPEN, PAYER_BODY, tech=tech)
        ind = wpick([("Insurance", 70), ("Financial Services", 15), ("Hospitals and Health Care", 15)])
        typ = wpick([("Privately Held", 55), ("Public Company", 10), ("Non Profit", 15), ("Self Owned", 8),
                     ("Partnership", 5), ("", 3)])
        add(name, desc, ind, typ, place, make_domain(name), make_slug(name),
            score=RNG.gauss(3.8 if "Plan" in name else 2.8, 1.4))


def simple(n, names, opens, bodies, industries, types, mu, sd, tech_fn=None, bullets=None, kind=None):
    for _ in range(n):
        name = unique_name(names)
        place = us_place()
        ctx = ctx_for(name, place)
        if kind:
            ctx["kind"] = pick(kind)
        tech = tech_fn() if tech_fn else []
        desc = build_description(ctx, opens, bodies, tech=tech, bullets=bullets)
        add(name, desc, wpick(industries), wpick(types), place, make_domain(name), make_slug(name),
            score=RNG.gauss(mu, sd))


def misc_health():
    pv = ["Riverside", "Tri-Cities", "Sunbelt", "Grand Valley", "Harborview", "Bluewater", "Pinecrest", "Oak Park",
          "Cedar Ridge", "Silver Creek", "Kingsley", "Fairmont", "Lakewood", "Northfield", "Maplewood"]
    # Labs
    simple(5, lambda: "%s %s" % (pick(pv), pick(["Clinical Labs", "Diagnostics", "Toxicology", "Pathology Associates", "Reference Laboratory"])),
           LAB_OPEN, LAB_BODY, [("Medical and Diagnostic Laboratories", 4), ("Hospitals and Health Care", 1), ("Biotechnology Research", 1)],
           [("Privately Held", 85), ("Partnership", 10), ("", 5)], 3.0, 1.0,
           tech_fn=lambda: [pick(LAB_TECH)] if RNG.random() < 0.5 else [])
    # Pharmacies
    simple(8, lambda: "%s %s" % (pick(pv), pick(["Pharmacy", "Drug", "Specialty Pharmacy", "Compounding Pharmacy", "Apothecary"])),
           PHARM_OPEN, PHARM_BODY, [("Retail", 35), ("Pharmaceutical Manufacturing", 20), ("Hospitals and Health Care", 35), ("Retail Health and Personal Care Products", 10)],
           [("Privately Held", 70), ("Self Owned", 20), ("Partnership", 10)], 2.2, 1.0,
           tech_fn=lambda: ["Prescribers can send e-prescriptions and prior authorization requests electronically; we verify pharmacy benefits through our clearinghouse."] if RNG.random() < 0.15 else [])
    # Dental and vision
    simple(10, lambda: "%s %s" % (pick(pv), pick(["Family Dentistry", "Dental Care", "Smiles", "Pediatric Dentistry", "Eye Care", "Vision Center", "Orthodontics"])),
           DENT_OPEN, DENT_BODY, [("Dentists", 70), ("Hospitals and Health Care", 8), ("Medical Practices", 7), ("Optometrists", 10), ("Retail", 5)],
           [("Privately Held", 55), ("Self Owned", 25), ("Partnership", 15), ("Self Employed", 5)], 1.9, 0.8)
    # A dental support organisation (one page)
    place = us_place(("Columbus", "Ohio", "OH"))
    fmt = "Brightline Dental Partners"
    USED_NAMES.add(fmt)
    ctx = ctx_for(fmt, place)
    desc = build_description(ctx, [DENT_OPEN[2]], DENT_BODY)
    add(fmt, desc, "Hospitals and Health Care", "Privately Held", place, make_domain(fmt), make_slug(fmt),
        size="501-1,000 employees")
    # Medical equipment
    simple(9, lambda: "%s %s" % (pick(["Vertex", "Corvid", "Stratus", "Meridia", "Orthex", "Respira", "Nexa", "Calyx", "Halden", "Innova"]),
                                 pick(["Medical", "MedTech", "Surgical", "Devices", "Medical Supply", "Home Medical Equipment", "Orthopedics"])),
           MED_OPEN, MED_BODY, [("Medical Equipment Manufacturing", 90), ("Retail", 10)],
           [("Privately Held", 75), ("Public Company", 20), ("", 5)], 3.6, 1.5,
           tech_fn=lambda: [MED_EDI[0]] if RNG.random() < 0.25 else [])
    # German device maker (non-US)
    name = "Müller MedTech GmbH"
    USED_NAMES.add(name)
    ctx = ctx_for(name, us_place())
    desc = build_description(ctx, ["{name} is a family-owned German manufacturer of precision surgical instruments, founded in Tuttlingen in 1951."],
                             MED_BODY)
    add(name, desc, "Medical Equipment Manufacturing", "Privately Held", {"loc": "Tuttlingen, Baden-Württemberg", "country": "Germany"},
        "mueller-medtech.de", make_slug(name), score=4.2)
    USED_DOMAINS.add("mueller-medtech.de")
    # Staffing
    simple(7, lambda: "%s %s" % (pick(["NurseBridge", "CareForce", "MedStaff", "Allied Pathways", "Vital Staffing", "ShiftReady", "Lifeline", "TravelRN"]),
                                 pick(["Staffing", "Healthcare Staffing", "Solutions", "Partners", "Group"])),
           STAFF_OPEN, STAFF_BODY, [("Staffing and Recruiting", 100)],
           [("Privately Held", 85), ("Self Owned", 10), ("", 5)], 3.2, 1.0)
    # Mental health and wellness
    simple(9, lambda: "%s %s" % (pick(["Stillwater", "Clearpath", "Bright Minds", "Open Door", "Evergreen Mind", "Northstar", "Pathlight", "Horizon", "Balance", "Thrive"]),
                                 pick(["Counseling", "Behavioral Health", "Therapy Group", "Psychiatry", "ABA Therapy", "Wellness"])),
           MH_OPEN, MH_BODY, [("Mental Health Care", 65), ("Hospitals and Health Care", 15), ("Wellness and Fitness Services", 10), ("Individual and Family Services", 10)],
           [("Privately Held", 60), ("Self Owned", 15), ("Partnership", 10), ("Non Profit", 10), ("Self Employed", 5)], 2.3, 1.0)
    # Long tail
    kinds = [("senior living community", "Nursing Homes and Residential Care Facilities"),
             ("pharmaceutical manufacturer", "Pharmaceutical Manufacturing"),
             ("biotechnology research company", "Biotechnology Research"),
             ("physical therapy and rehabilitation clinic", "Physical, Occupational and Speech Therapists"),
             ("nursing school", "Higher Education"),
             ("county public health department", "Government Administration"),
             ("community health center (FQHC)", "Hospitals and Health Care"),
             ("ambulance and medical transportation service", "Hospitals and Health Care"),
             ("hearing aid clinic", "Medical Practices"),
             ("medical spa", "Wellness and Fitness Services"),
             ("chiropractic clinic", "Alternative Medicine"),
             ("senior living community", "Nursing Homes and Residential Care Facilities"),
             ("pharmaceutical manufacturer", "Pharmaceutical Manufacturing")]
    for k, ind in kinds:
        name = unique_name(lambda: "%s %s" % (pick(pv), {
            "senior living community": pick(["Senior Living", "Assisted Living", "Manor"]),
            "pharmaceutical manufacturer": pick(["Pharmaceuticals", "Therapeutics"]),
            "biotechnology research company": pick(["Biosciences", "Bio"]),
            "physical therapy and rehabilitation clinic": "Physical Therapy",
            "nursing school": "College of Nursing",
            "county public health department": "County Health Department",
            "community health center (FQHC)": "Community Health Center",
            "ambulance and medical transportation service": "EMS",
            "hearing aid clinic": "Hearing Center",
            "medical spa": "Med Spa",
            "chiropractic clinic": "Chiropractic"}[k]))
        place = us_place()
        ctx = ctx_for(name, place)
        ctx["kind"] = k
        desc = build_description(ctx, MISC_OPEN, MISC_BODY)
        typ = {"nursing school": "Educational", "county public health department": "Government Agency",
               "community health center (FQHC)": "Non Profit"}.get(k, wpick([("Privately Held", 80), ("Public Company", 10), ("Partnership", 10)]))
        dom_tlds = (("edu", 1),) if typ == "Educational" else (("gov", 1),) if typ == "Government Agency" else (("com", 1),)
        add(name, desc, ind, typ, place, make_domain(name, dom_tlds), make_slug(name),
            score=RNG.gauss(4.0 if typ in ("Educational", "Government Agency") else 3.0, 1.2))


def noise(counts):
    words = ["Copper Kettle", "Iron Horse", "Blue Fern", "Tall Pines", "Red Brick", "Northline", "Granite Peak",
             "Sundial", "Backyard", "Keystone Ridge", "Foxhole", "Lantern", "Sparrow", "Bramble", "Hollis",
             "Quarry", "Driftwood", "Saltbox", "Juniper Lane", "Crème de la Crème", "Chez Zoë"]
    sfx = {"restaurant": ["Kitchen", "Bistro", "Tavern", "Grill", "Cantina", "Bakery & Café"],
           "construction": ["Builders", "Construction", "Contracting", "Building Group"],
           "real_estate": ["Realty", "Properties", "Real Estate Group", "Commercial Partners"],
           "saas": ["Software", "", "HQ", " Labs", ".io"],
           "accounting": ["CPAs", "Accounting", "Tax & Advisory"],
           "marketing": ["Digital", "Creative", "Marketing Co."],
           "law": ["Law Group", "Legal, PLLC"],
           "fitness": ["Fitness", "Strength Co.", "CrossFit"]}
    inds = {"restaurant": "Restaurants", "construction": "Construction", "real_estate": "Real Estate",
            "saas": "Software Development", "accounting": "Accounting", "marketing": "Advertising Services",
            "law": "Law Practice", "fitness": "Wellness and Fitness Services"}
    for kind, n in counts:
        opens, bodies = NOISE[kind]
        for _ in range(n):
            name = unique_name(lambda: ("%s %s" % (pick(words), pick(sfx[kind]))).strip().replace(" .io", ".io"))
            place = us_place()
            ctx = ctx_for(name, place)
            desc = build_description(ctx, opens, bodies)
            typ = wpick([("Privately Held", 65), ("Self Owned", 15), ("Partnership", 10), ("Self Employed", 5), ("", 5)])
            add(name, desc, inds[kind], typ, place, make_domain(name), make_slug(name), score=RNG.gauss(1.9, 1.0))


# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------
shared_groups()                 # 25 rows on 8 domains
named_health_it()               # 12 rows: previous customers + well-known names
home_health(91)
hospitals(13)
physicians(16)
rcm(30)
health_it(38)
payers(13)
misc_health()                   # labs, pharmacy, dental (+DSO), med equipment, staffing, mental health, tail
noise([("restaurant", 6), ("construction", 6), ("real_estate", 5), ("saas", 5), ("accounting", 3),
       ("marketing", 3), ("law", 2), ("fitness", 2)])

# Self-employed: 4 solo operators (they keep a person-like name).
for name, ind, desc in [
    ("Denise Whitfield Billing Services", "Hospitals and Health Care",
     "Independent medical biller with 15 years of experience. I handle claims, denials and patient statements for small practices — 837 claims submitted through Office Ally, ERAs posted weekly."),
    ("Renée Dubois, RN – Private Duty Nursing", "Home Health Care Services",
     "Private duty RN providing one-on-one skilled nursing in the home. Trach/vent, G-tube and post-operative care."),
    ("Luis Castillo Insurance", "Insurance",
     "Licensed independent agent helping individuals and families with Medicare Advantage, Medicare Supplement and ACA plans. Se habla español."),
    ("Priya Kaur Credentialing", "Business Consulting and Services",
     "Provider credentialing and payer enrollment for new practices: CAQH, NPPES, Medicare PECOS and commercial payers."),
]:
    USED_NAMES.add(name)
    place = us_place()
    typ = "Self Employed" if "Credentialing" not in name else "Self Owned"
    add(name, desc, ind, typ, place, make_domain(name), make_slug(name), size="Self-employed")

# Junk rows: no Name, no Domain, no LinkedIn URL.  The tool must reject them.
add("", "", "Hospitals and Health Care", "", us_place(("Houston", "Texas", "TX")), "", None, size="", loc_style="full")
add("", "Home care services.", "Home Health Care Services", "Privately Held", us_place(("Tampa", "Florida", "FL")), "", None,
    size="", loc_style="abbr")
add("", "", "", "", {"loc": "", "country": "United States"}, "", None, size="11-50 employees")

n_fixed_sizes = sum(1 for r in ROWS if r["Size"] is not None)

# ---------------------------------------------------------------------------
# Special cases on existing rows (chosen by seeded RNG from plain home-health / misc rows)
# ---------------------------------------------------------------------------
def plain_rows(pred=lambda r: True):
    return [r for r in ROWS if r["_group"] is None and r["Name"] and r["LinkedIn URL"]
            and r["Domain"] and r["Domain"] == norm_domain(r["Domain"]) and r["Domain"] not in PREV and pred(r)]


PREV = {"tennr.com", "candidhealth.com", "medplum.com", "thoughtful.ai", "nirvanahq.com", "sohar.health",
        "assort.health", "sprinterhealth.com", "availity.com", "waystar.com", "officeally.com", "athenahealth.com"}

small = plain_rows(lambda r: r["Size"] is None and r["_score"] < 3.0)
RNG.shuffle(small)
it = iter(small)

# 2 rows: empty Domain and empty Name, but a LinkedIn URL.
for _ in range(2):
    r = next(it)
    r["Name"] = ""
    r["Domain"] = ""
# 2 rows: a Name, but empty Domain and no LinkedIn URL.
for _ in range(2):
    r = next(it)
    r["Domain"] = ""
    r["LinkedIn URL"] = ""
# 7 more rows with a Name and LinkedIn URL but no Domain (total empty domains = 3 + 2 + 2 + 7 = 14).
for _ in range(7):
    next(it)["Domain"] = ""
# 3 invalid domain values.
for bad in ["n/a", "localhost", "not a domain"]:
    next(it)["Domain"] = bad
# 3 messy single-company domains (besides tennr / nirvana / sprinter / brightstar forms).
r = next(it); r["Domain"] = "http://%s/about-us" % r["Domain"]
r = next(it); r["Domain"] = r["Domain"].upper()
r = next(it); r["Domain"] = "www." + r["Domain"]

# 4-6 empty descriptions in total: the junk rows already have 2; blank 3 more.
for r in RNG.sample(plain_rows(lambda r: r["Description"]), 3):
    r["Description"] = ""

# One very long description (~2,000 chars) on a health-IT row, if the draw did not produce one.
if max(len(r["Description"]) for r in ROWS) < 1900:
    r = next(x for x in ROWS if x["Primary Industry"] == "Software Development" and x["_group"] is None
             and x["Domain"] not in PREV and len(x["Description"]) > 300)
    extra = ["", "What we do:"] + ["- " + s.format(n=4) for s in HIT_BODY] + ["", "Why customers choose us:"] + \
            ["- " + s.format(name=r["Name"]) for s in EDI_HIT[:4] + FHIR_HIT[:3]]
    text = r["Description"] + "\n" + "\n".join(extra)
    assert len(text) > 2040, len(text)
    r["Description"] = text[:2040].rsplit(" ", 1)[0] + "…"

# Location quirks: a few with several commas, a few empty countries.
multi = plain_rows(lambda r: r["Country"] == "United States" and r["Location"].count(",") == 1)
RNG.shuffle(multi)
city, state = multi[0]["Location"].split(", ")
multi[0]["Location"] = "Suite 200, %s, %s" % (city, state)
city, state = multi[1]["Location"].split(", ")
multi[1]["Location"] = "%s, %s, United States" % (city, state)
city, state = multi[2]["Location"].split(", ")
multi[2]["Location"] = "1200 Main St, %s, %s" % (city, state)
for r in multi[3:6]:
    r["Country"] = ""
    r["Location"] = r["Location"].split(", ")[0] if RNG.random() < 0.5 else ""

# ---------------------------------------------------------------------------
# Sizes: hand out the remaining band counts by each row's score (bigger archetypes get bigger bands).
# ---------------------------------------------------------------------------
remaining = dict(SIZE_COUNTS)
for r in ROWS:
    if r["Size"] is not None:
        remaining[r["Size"]] -= 1
assert all(v >= 0 for v in remaining.values()), remaining
assert remaining["Self-employed"] == 0 and remaining[""] == 0, remaining
todo = sorted((r for r in ROWS if r["Size"] is None), key=lambda r: r["_score"])
labels = [b for b in SIZE_BANDS for _ in range(remaining[b])]
assert len(labels) == len(todo), (len(labels), len(todo))
for r, lab in zip(todo, labels):
    r["Size"] = lab
# Solo-practice types should match: any 'Self Employed' row that landed in a big band becomes Privately Held.
for r in ROWS:
    if r["Type"] == "Self Employed" and r["Size"] not in ("Self-employed", "2-10 employees", "11-50 employees"):
        r["Type"] = "Privately Held"

# ---------------------------------------------------------------------------
# Shuffle so that rows of one organisation are never adjacent.
# ---------------------------------------------------------------------------
def adjacent_dupes(rows):
    keys = [norm_domain(r["Domain"]) for r in rows]
    return any(a and a == b for a, b in zip(keys, keys[1:]))


RNG.shuffle(ROWS)
while adjacent_dupes(ROWS):
    RNG.shuffle(ROWS)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(HEADER)
    for r in ROWS:
        w.writerow([r[h] for h in HEADER])

print("wrote %s (%d rows)" % (os.path.relpath(OUT, ROOT), len(ROWS)), file=sys.stderr)
