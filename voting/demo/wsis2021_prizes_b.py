"""Demo entries of the WSIS Prizes 2021, Action Lines C7 E-health to C11.

Invented projects: any likeness to a real project is a coincidence. Each entry
is (title, organisation, country, summary).
"""

ENTRIES_B: dict[str, list[tuple[str, str, str, str]]] = {
    "c7-e-health": [
        ("Telemedicine for Remote Health Posts", "Mountain Health Link", "PE",
         "Video consultations and shared records connect nurses at remote health posts with "
         "specialists in the regional hospital."),
        ("Maternal Health SMS Companion", "SafeMother Initiative", "TZ",
         "Timed SMS and voice messages guide expectant mothers through pregnancy and remind them "
         "of clinic visits and vaccinations."),
        ("AI Screening for Diabetic Eye Disease", "VisionCare Analytics", "TH",
         "Smartphone retinal images screened by an algorithm so that community clinics can refer "
         "patients before sight is lost."),
        ("Medicine Stock Tracker", "Supply Chain for Health", "MZ",
         "A simple app for rural pharmacies that reports stock levels daily and prevents "
         "shortages of essential medicines."),
        ("Mental Health Chat Line", "MindWell Youth", "AU",
         "An anonymous chat service staffed by trained counsellors offering support to young "
         "people in crisis."),
        ("Digital Vaccination Card", "Immunise Now Alliance", "BJ",
         "A portable digital vaccination record that health workers update offline and that "
         "parents can check by SMS."),
        ("Sign-Language Telehealth", "Accessible Care Network", "CR",
         "Remote sign-language interpreters join medical consultations so that deaf patients "
         "can speak with doctors directly."),
    ],
    "c7-e-employment": [
        ("Jobs by SMS", "WorkLink Africa", "ET",
         "A job-matching service over SMS that reaches job seekers without smartphones and "
         "verifies employers."),
        ("Remote Work Readiness Programme", "Future of Work Hub", "LK",
         "Training in digital freelancing, online contracts and time management for graduates "
         "in secondary cities."),
        ("Skills Passport for Migrant Workers", "Fair Migration Lab", "NP",
         "A verifiable digital record of skills and certificates that migrant workers carry "
         "between jobs and countries."),
        ("Inclusive Hiring Platform", "AbleWork", "ES",
         "A recruitment platform built with and for persons with disabilities, with accessible "
         "tests and workplace adjustment guides."),
        ("Gig Workers' Rights Portal", "Platform Workers Union", "IN",
         "Information, dispute support and pay calculators for delivery and ride-hailing workers."),
    ],
    "c7-e-environment": [
        ("Air Quality Citizen Sensors", "Clean Air Commons", "MN",
         "Low-cost air quality sensors installed by volunteers feed a public map and alerts "
         "during pollution peaks."),
        ("Flood Early Warning by Voice", "River Watch Network", "BD",
         "River-level sensors trigger voice calls and sirens that warn villages hours before "
         "floods arrive."),
        ("E-Waste Take-Back App", "Circular Electronics Alliance", "CL",
         "Locates certified collection points, books pick-ups and pays deposits for old "
         "electronics."),
        ("Mangrove Monitoring from Space", "Blue Carbon Watch", "SN",
         "Satellite imagery and community reports track mangrove loss and restoration along the "
         "coast."),
        ("Smart Water Meters for Small Towns", "AquaSense Utilities", "JO",
         "Prepaid smart meters and leak detection that cut water losses by a third in three "
         "towns."),
        ("Forest Fire Alert Network", "GreenGuard Brigades", "GR",
         "Camera towers and heat detection that alert volunteer fire brigades within minutes."),
    ],
    "c7-e-agriculture": [
        ("Soil Health by Phone", "AgroLab Mobile", "KE",
         "A phone-based soil test kit and app that recommends fertiliser doses for smallholder "
         "plots."),
        ("Weather Index Insurance", "HarvestSure", "GH",
         "Micro-insurance that pays farmers automatically by mobile money when satellite rainfall "
         "data shows a drought."),
        ("Livestock Health Registry", "Pastoral Link", "ML",
         "Digital ear tags and a veterinary app track vaccinations and disease outbreaks in "
         "pastoral herds."),
        ("Digital Farmers' Market", "FarmGate Direct", "GT",
         "A marketplace where cooperatives sell directly to restaurants and schools, with "
         "transparent prices."),
        ("Irrigation Scheduler", "DripSmart", "MA",
         "Sensor-based irrigation advice by SMS that saves water and raises yields in arid "
         "regions."),
        ("Pest Alert Community", "CropWatch Asia", "LA",
         "Farmers photograph pests and receive identification and treatment advice from "
         "extension officers."),
        ("Women Farmers' Credit Score", "AgriFinance Lab", "RW",
         "Alternative credit scoring based on farming records that opens loans to women without "
         "land titles."),
    ],
    "c7-e-science": [
        ("Open Research Repository", "Regional Academic Network", "AR",
         "A shared repository that makes theses and articles from 60 universities openly "
         "accessible."),
        ("Citizen Science Biodiversity Atlas", "Nature Counts", "CR",
         "An app where volunteers record species sightings, validated by scientists and used in "
         "conservation planning."),
        ("Shared High-Performance Computing Cloud", "Research Compute Consortium", "ZA",
         "Pooled computing capacity and training for researchers at institutions without their "
         "own clusters."),
        ("Seismic Sensor Network for Schools", "Quake Classroom", "NP",
         "Low-cost seismometers in schools feed a national research network and teach "
         "students about earthquakes."),
        ("Open Lab Notebooks", "Reproducible Science Initiative", "PL",
         "Free electronic lab notebooks with data management plans for young researchers."),
    ],
    "c8": [
        ("Indigenous Languages Keyboard", "Living Tongues Lab", "MX",
         "Mobile keyboards and spell-checkers for twelve indigenous languages, built with native "
         "speakers."),
        ("Digital Heritage Archive", "Memory of the City Foundation", "TR",
         "Scanned photographs, maps and oral histories of the old city, searchable in three "
         "languages."),
        ("Local Content Creators Fund", "Creative Voices Hub", "KE",
         "Grants and training for young creators producing videos and podcasts in local "
         "languages."),
        ("Virtual Museum of Crafts", "Silk Road Heritage Trust", "UZ",
         "3D scans and stories of traditional crafts with artisans explaining their techniques."),
        ("Arabic Open Dictionary", "Lisan Digital", "JO",
         "A crowd-sourced Arabic dictionary with dialect variants and audio pronunciations."),
        ("Storytelling Radio Online", "Pacific Voices", "WS",
         "An online archive of traditional stories told by elders, with transcripts and "
         "translations."),
    ],
    "c9": [
        ("Community Radio Goes Digital", "Community Media Network", "ZM",
         "Streaming, podcast hosting and training for 40 community radio stations."),
        ("Fact-Check Alliance", "Verify Together", "BR",
         "A collaborative fact-checking platform shared by newsrooms, with a public tip line on "
         "messaging apps."),
        ("Data Journalism Fellowship", "Newsroom Futures", "PH",
         "Six-month fellowships that teach reporters to investigate with data and publish "
         "interactive stories."),
        ("Accessible News Service", "Clear News Agency", "FI",
         "Daily news in easy-to-read language, sign language and audio for people with "
         "disabilities."),
        ("Local News Sustainability Toolkit", "Independent Media Lab", "RS",
         "Membership, paywall and analytics tools that help small independent newsrooms survive."),
    ],
    "c10": [
        ("AI Ethics Review Board Kit", "Responsible Tech Institute", "CA",
         "Templates and training for public bodies setting up ethics reviews of algorithms they "
         "use."),
        ("Children's Data Charter", "Kids Online Rights", "GB",
         "A charter and audit tool that helps apps and games respect children's privacy and "
         "wellbeing."),
        ("Algorithmic Transparency Register", "Open Algorithms Lab", "NL",
         "A public register describing the automated decision systems used by city services."),
        ("Digital Inclusion Ethics Course", "Ubuntu Digital Ethics", "ZA",
         "A free online course on ethics, inclusion and human rights for engineering students."),
        ("Tech for Dignity Guidelines", "Humanitarian Data Forum", "JO",
         "Guidelines and checklists for the responsible use of biometric and personal data in "
         "humanitarian aid."),
        ("Online Hate Response Network", "Respect Online", "LK",
         "Trained moderators and counter-speech campaigns that respond to online hate in three "
         "languages."),
    ],
    "c11": [
        ("Regional Digital Skills Alliance", "Southern Africa ICT Partnership", "BW",
         "Ten countries share curricula, trainers and certification for basic and advanced "
         "digital skills."),
        ("Cross-Border Roaming Agreement", "East African Telecom Forum", "UG",
         "A regional agreement and billing platform that ended roaming charges between partner "
         "countries."),
        ("Open Source Government Exchange", "Latin American Digital Cooperation Network", "UY",
         "A shared catalogue of open source software that governments reuse and improve "
         "together."),
        ("Island States Cyber Partnership", "Pacific Cyber Cooperation Centre", "TO",
         "Joint exercises, shared analysts and a common incident hotline for small island states."),
        ("Twin Cities Digital Exchange", "Smart Cities Twinning Programme", "SI",
         "Paired cities in Europe and Africa exchange staff and software for digital public "
         "services."),
        ("Regional Data Centre for Research", "ASEAN Research Cloud", "SG",
         "A cooperative data centre hosting research data for universities across the region."),
    ],
}
