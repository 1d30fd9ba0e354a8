"""Demo entries of the WSIS Prizes 2021, Action Lines C1 to C7 E-learning.

Invented projects: any likeness to a real project is a coincidence. Each entry
is (title, organisation, country, summary).
"""

ENTRIES_A: dict[str, list[tuple[str, str, str, str]]] = {
    "c1": [
        ("OpenBudget Districts", "Civic Ledger Initiative", "KE",
         "A public dashboard that shows how every district spends its development fund, "
         "updated weekly from treasury records and open to comments by residents."),
        ("National Digital Roadmap Consultation Portal", "Office of the Digital Economy", "RW",
         "An online and SMS consultation that gathered 40,000 citizen proposals for the national ICT "
         "strategy and reported back on how each theme was used."),
        ("Multi-Stakeholder ICT Council Toolkit", "Andes Digital Governance Network", "PE",
         "Guides, templates and a facilitation platform that help municipalities set up ICT councils "
         "with business, academia and civil society at the same table."),
        ("Smart Village Coordination Hub", "Rural Futures Foundation", "IN",
         "A shared planning tool linking village councils, telecom operators and state agencies to "
         "prioritise connectivity and e-services in 300 villages."),
        ("Parliament in Your Pocket", "Open Assembly Lab", "GE",
         "A mobile app that streams committee hearings, summarises bills in plain language and lets "
         "citizens send structured feedback to their representatives."),
        ("Digital Policy Fellows", "Pacific Policy Studio", "FJ",
         "A year-long fellowship placing young technologists in island governments to co-design "
         "digital public services with officials."),
    ],
    "c2": [
        ("Community Mesh for the Highlands", "Highland Links Cooperative", "NP",
         "A community-owned wireless mesh that connects 42 mountain villages through solar-powered "
         "relays maintained by trained local technicians."),
        ("Fibre Along the River", "Delta Broadband Partnership", "BD",
         "Open-access fibre laid along river embankments during flood-defence works, halving the cost "
         "of backbone connectivity for small providers."),
        ("Satellite Schools Backhaul", "Sahel Connect", "NE",
         "Low-cost satellite terminals and shared bandwidth pools that bring broadband to 180 remote "
         "schools and their surrounding communities."),
        ("Open Spectrum Sandbox", "Spectrum Commons Lab", "ZA",
         "A regulatory sandbox letting small operators test TV white space and dynamic spectrum "
         "sharing for rural last-mile access."),
        ("Island Internet Exchange Point", "Caribbean Peering Association", "TT",
         "A neutral exchange point that keeps local traffic on the island, cutting latency and "
         "international transit costs for every network that joins."),
        ("Solar Towers for the Last Mile", "GreenCell Networks", "PH",
         "Modular solar-powered cell sites that small operators can deploy in a day to cover "
         "isolated coastal communities."),
    ],
    "c3": [
        ("Library Without Walls", "National Reading Trust", "CO",
         "Offline digital library boxes that bring 60,000 books, videos and courses to rural "
         "libraries and sync whenever a connection appears."),
        ("Open Data Newsroom", "DataWise Africa", "GH",
         "Training and tools that help local journalists find, clean and visualise public data "
         "for stories their communities care about."),
        ("Sign Language Video Archive", "Deaf Access Collective", "BR",
         "A growing archive of public information translated into national sign language and "
         "searchable by topic, with captions in two languages."),
        ("Farmers' Knowledge Line", "AgriVoice Trust", "UG",
         "An interactive voice service that answers farmers' questions in six local languages "
         "using a curated library of expert recordings."),
        ("Public Wi-Fi Reading Corners", "City of Learning Alliance", "MA",
         "Free Wi-Fi reading corners in markets and bus stations with a curated portal of "
         "government information and learning material."),
        ("Easy-Read Government", "Clear Words Foundation", "SE",
         "A service that rewrites official notices in easy-to-read language for people with "
         "intellectual disabilities and for new language learners."),
    ],
    "c4": [
        ("Digital Skills on Wheels", "Mobile Classroom Project", "TZ",
         "Buses converted into connected classrooms that tour rural districts, teaching basic "
         "digital skills to more than 12,000 adults a year."),
        ("Women Who Code the Coast", "Coastal Tech Sisters", "SN",
         "A bootcamp and mentoring network that trains young women as web developers and helps "
         "them find remote work."),
        ("Seniors Go Online", "Silver Surfers Network", "PT",
         "Volunteer-led courses that teach older people to use video calls, online banking and "
         "e-government services safely."),
        ("Civil Servant Digital Academy", "Institute of Public Administration", "JO",
         "Blended courses on data, cybersecurity and service design for 8,000 public servants, "
         "with certificates linked to career progression."),
        ("Repair and Reuse Lab", "Circuit Youth Workshop", "KH",
         "A workshop that trains young people to repair phones and laptops, creating jobs and "
         "affordable refurbished devices."),
        ("Teachers' Tech Circles", "EduConnect Caribbean", "JM",
         "Peer-learning circles where teachers share lesson plans and practise using digital tools "
         "in the classroom."),
    ],
    "c5": [
        ("CyberSafe Schools", "SecureKids Alliance", "MY",
         "A curriculum and game-based lessons that teach children to spot scams, protect passwords "
         "and report online abuse."),
        ("SME Security Health Check", "Small Business Cyber Centre", "EE",
         "A free online self-assessment and follow-up clinic that helps small firms fix their most "
         "common security gaps."),
        ("National CERT Mentoring Programme", "Regional Incident Response Forum", "CI",
         "Pairs new computer emergency response teams with experienced ones for exercises, tooling "
         "and shared threat intelligence."),
        ("Mobile Money Fraud Shield", "TrustPay Labs", "ZM",
         "A fraud-alert service that warns mobile money users about suspicious requests in real "
         "time and in their own language."),
        ("Stop the Spoof", "Digital Trust Bureau", "AR",
         "A reporting platform and takedown workflow against fake government websites and phishing "
         "messages."),
        ("Privacy by Design Clinic", "Open Rights Studio", "DE",
         "Pro bono privacy reviews for start-ups and non-profits building services that handle "
         "sensitive personal data."),
    ],
    "c6": [
        ("Regulatory Impact Explorer", "Digital Policy Observatory", "CL",
         "An open tool that models how proposed telecom regulations affect prices and coverage, "
         "used in public consultations."),
        ("One-Stop Digital Business Registry", "Enterprise Services Agency", "MD",
         "Online company registration in under a day, with digital signatures and automatic "
         "registration for tax and social security."),
        ("Infrastructure Sharing Map", "Telecom Regulatory Commission", "NG",
         "A public map of ducts, towers and fibre that operators can share, reducing duplicated "
         "civil works and deployment costs."),
        ("Affordable Devices Compact", "Connect Everyone Coalition", "ID",
         "An agreement between manufacturers, lenders and government that brought entry-level "
         "smartphones within reach of low-income households."),
        ("Startup Visa Portal", "Innovation Nation Office", "TN",
         "A fully digital visa and incorporation process that attracts founders of technology "
         "start-ups and tracks their growth."),
        ("Digital Rights Legal Helpdesk", "Net Justice Centre", "PK",
         "Free legal advice for citizens and small firms on data protection, e-commerce and online "
         "contracts."),
    ],
    "c7-e-government": [
        ("Citizen Services in One App", "Digital Government Agency", "UY",
         "A single app for 120 public services, from birth certificates to vehicle permits, with "
         "identity verification and payment built in."),
        ("Paperless Land Registry", "Land Administration Authority", "GH",
         "Digitised land titles with transparent transaction histories that cut registration time "
         "from months to days."),
        ("Queue-Free Clinics Booking", "Municipal Health Services", "MX",
         "An appointment system for municipal clinics working by app, web and SMS that ended "
         "dawn queues."),
        ("Digital ID for the Unregistered", "Civil Registry Reform Unit", "SL",
         "Mobile registration teams that record births and issue digital IDs in remote areas, "
         "linking people to social protection."),
        ("Open Procurement Portal", "Public Procurement Office", "UA",
         "Every public tender published online with bids, contracts and payments, analysed "
         "automatically for red flags."),
        ("Accessible e-Services Standard", "Government Digital Service", "NZ",
         "A standard and testing service that makes every government website usable with screen "
         "readers and keyboard only."),
    ],
    "c7-e-business": [
        ("Market Women Online", "Trade Together Network", "NG",
         "An e-commerce platform and training that help market traders sell online and accept "
         "digital payments."),
        ("Artisan Export Gateway", "Crafts of the Andes", "BO",
         "An online shop and logistics service that connects artisans directly with buyers "
         "abroad and handles customs paperwork."),
        ("Digital Receipts for Small Shops", "FairTax Labs", "VN",
         "A free point-of-sale app that issues electronic receipts and simplifies tax filing "
         "for micro-enterprises."),
        ("Rural Delivery Network", "Village Parcel Cooperative", "KE",
         "Post offices and village shops turned into pick-up points, bringing e-commerce "
         "deliveries to rural customers."),
        ("Tourism Marketplace for Islands", "Blue Horizon Travel Collective", "MV",
         "A booking platform for guesthouses and local guides on outer islands, with fair "
         "commissions and offline support."),
        ("Cooperative Invoicing Cloud", "Coop Digital", "IT",
         "Shared accounting and e-invoicing software for agricultural and social cooperatives."),
    ],
    "c7-e-learning": [
        ("Radio School Plus", "Learning Airwaves", "MW",
         "Radio lessons paired with SMS quizzes and feedback so children without internet can keep "
         "learning when schools close."),
        ("Open Textbooks for All", "Open Education Network", "PH",
         "Free, openly licensed textbooks for secondary schools, editable by teachers and "
         "available offline."),
        ("Virtual Science Labs", "STEM Bridges", "EG",
         "Simulated laboratory experiments that run on low-end phones for schools without "
         "science equipment."),
        ("Learning in Mother Tongue", "Many Voices Education", "ET",
         "Early-grade reading apps in eight local languages, developed with teachers and tested "
         "in 200 schools."),
        ("Refugee Learning Passport", "Education Beyond Borders", "LB",
         "A learning platform for refugee children that records progress and travels with them "
         "between camps and countries."),
        ("Tutor Connect", "Peer Learning Lab", "CA",
         "Volunteer university students tutor secondary pupils online in mathematics and reading, "
         "matched by an adaptive scheduler."),
    ],
}
